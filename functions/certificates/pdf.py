"""The certificate as a one-page bilingual (Hindi and English) PDF with its QR code.

`fpdf2` lays out the page and shapes Devanagari with HarfBuzz (`uharfbuzz`), in Noto Sans Devanagari
(SIL Open Font License 1.1, from the `fontpkg-noto-sans-devanagari` package; it has Latin letters
too, so one font serves both languages). The QR code is drawn as vector modules, sharp at any size.
Imported by the handler only for `?format=pdf`: fpdf2 brings Pillow and fontTools (about 0.3 s of
cold import, bench/RESULTS.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import fontpkg_noto_sans_devanagari
import segno
from fpdf import FPDF

from certificates.qr import QR_BORDER, symbol
from core.certificates import Certificate
from core.credential import from_epoch

FONT = "Noto"
QR_MILLIMETRES = 50.0


def _font_file() -> Path:
    files = sorted((Path(fontpkg_noto_sans_devanagari.ROOT) / "files").glob("*.ttf"))
    if not files:
        raise FileNotFoundError("the Noto Sans Devanagari package holds no font file")
    return files[0]


def _date(moment: datetime) -> str:
    return moment.strftime("%d-%m-%Y")


def _rows(certificate: Certificate) -> list[tuple[str, str, str]]:
    claims = certificate.claims
    verifier = f"{claims.verifier_role.upper()}, {claims.verifier_office}"
    return [
        ("क्रमांक", "Serial", claims.serial),
        ("नाम", "Name", claims.name),
        ("कर्मचारी कोड", "Employee code", claims.employee_code),
        ("विभाग", "Department", claims.department),
        ("कार्यालय", "Office", claims.office),
        ("गणना किए गए सेवा वर्ष", "Years of service credited", str(claims.service_years)),
        ("सत्यापन तिथि", "Verified on", _date(from_epoch(claims.verified_at))),
        ("सत्यापनकर्ता", "Verified by", verifier),
        ("पारदर्शिता लॉग प्रविष्टि", "Transparency log leaf", str(claims.leaf_index)),
        ("जारी", "Issued", _date(from_epoch(claims.issued_at))),
        ("वैध तक", "Valid until", _date(from_epoch(claims.expires_at))),
    ]


def _draw_qr(pdf: FPDF, made: segno.QRCode, x: float, y: float, size: float) -> None:
    """Vector modules (one rectangle a run of dark modules): sharp at any print size."""
    rows = [list(row) for row in made.matrix_iter(scale=1, border=QR_BORDER)]
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(x + start * module, y + r * module, (c - start) * module, module, style="F")
            else:
                c += 1


def certificate_pdf(certificate: Certificate) -> bytes:
    claims = certificate.claims
    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(certificate.issued_at)  # the same certificate always gives the same file
    pdf.set_title(f"Service certificate {claims.serial}")
    pdf.set_author(f"Anubandh, programme {claims.issuer}")
    pdf.set_auto_page_break(auto=False)
    pdf.add_font(FONT, "", str(_font_file()))
    pdf.set_text_shaping(True)
    pdf.add_page()

    pdf.set_font(FONT, size=20)
    pdf.cell(0, 11, "सेवा प्रमाण-पत्र", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, size=16)
    pdf.cell(0, 9, "Service Certificate", new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, size=10)
    pdf.cell(
        0,
        6,
        f"संविदा कर्मचारी (सेवा सुरक्षा) / Contractual employees (security of service) · {claims.issuer}",
        new_x="LMARGIN",
        new_y="NEXT",
        align="C",
    )
    pdf.ln(6)

    label_width, value_x = 80.0, pdf.l_margin + 82.0
    for hindi, english, value in _rows(certificate):
        y = pdf.get_y()
        pdf.set_font(FONT, size=10)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_width, 5, hindi)
        pdf.set_xy(pdf.l_margin, y + 5)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(label_width, 5, english)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, size=12)
        pdf.set_xy(value_x, y + 1)
        pdf.cell(0, 7, value)
        pdf.set_draw_color(210, 210, 210)
        pdf.line(pdf.l_margin, y + 11, pdf.w - pdf.r_margin, y + 11)
        pdf.set_y(y + 12)

    pdf.ln(6)
    top = pdf.get_y()
    _draw_qr(pdf, symbol(certificate.credential), pdf.l_margin, top, QR_MILLIMETRES)
    text_x = pdf.l_margin + QR_MILLIMETRES + 6
    pdf.set_xy(text_x, top + 2)
    pdf.set_font(FONT, size=10)
    width = pdf.w - pdf.r_margin - text_x
    pdf.multi_cell(
        width,
        5,
        "यह QR कोड पोर्टल द्वारा डिजिटल रूप से हस्ताक्षरित है। किसी भी फ़ोन से स्कैन करके जाँचें: "
        "पोर्टल की प्रकाशित कुंजी से हस्ताक्षर मिलना चाहिए और स्थिति 'मान्य' होनी चाहिए।",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_xy(text_x, pdf.get_y() + 2)
    pdf.multi_cell(
        width,
        5,
        "The QR code is this certificate, digitally signed by the portal (JWS, ES256). To check it, scan it "
        "and verify the signature with the published key (GET /v1/keys), or POST it to /v1/certificates/verify, "
        f"or run `anubandh verify certificate`. Its status: GET /v1/certificates/{claims.serial}/status.",
        new_x="LEFT",
        new_y="NEXT",
    )
    pdf.set_xy(pdf.l_margin, top + QR_MILLIMETRES + 4)
    pdf.set_font(FONT, size=8)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 4, f"Key / कुंजी: {certificate.key_id}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
