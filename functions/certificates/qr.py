"""The certificate's QR code, as PNG: `segno` (pure Python, writes PNG itself, no Pillow).

The handler imports this module only for `?format=png` (and pdf.py for the PDF), so neither the JSON
answer nor the public status and verify routes load a QR or PDF library (see bench/cold_imports.py).

The QR code holds the compact JWS as it is (byte mode), error correction M (15% of the symbol may be
lost: an ID card gets scratched), raised when the same symbol size allows more. A certificate of
about 460 characters is a version 17 symbol, 85 modules a side: printed 30 mm wide, a module is
0.35 mm, which a phone camera reads from 10-15 cm.
"""

from __future__ import annotations

import io

import segno
from pydantic import BaseModel, ConfigDict

QR_ERROR = "m"
QR_BORDER = 4  # the quiet zone, in modules, that the standard requires
PNG_SCALE = 4  # pixels a module: about 370 px, sharp printed up to 30 mm at 300 dpi


class QrCode(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    png: bytes
    version: int
    modules: int  # a side, without the quiet zone
    error: str  # L, M, Q or H


def symbol(credential: str) -> segno.QRCode:
    return segno.make_qr(credential, error=QR_ERROR, boost_error=True)


def qr_code(credential: str) -> QrCode:
    made = symbol(credential)
    buffer = io.BytesIO()
    made.save(buffer, kind="png", scale=PNG_SCALE, border=QR_BORDER)
    width, _ = made.symbol_size(border=0)
    return QrCode(png=buffer.getvalue(), version=int(made.version), modules=int(width), error=str(made.error))
