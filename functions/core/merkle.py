"""RFC 9162 Merkle trees: hashing, the log's compact state, proofs and their verification. Pure.

* a leaf is `SHA-256(0x00 || data)`; for our log the data is an audit event's 32-byte hash;
* a node is `SHA-256(0x01 || left || right)`;
* the tree over `n` leaves splits at the largest power of two below `n` (RFC 9162 §2.1.1).

The server keeps every *complete* subtree's hash, addressed as `Node(level, offset)` (it covers
leaves `[offset * 2**level, (offset + 1) * 2**level)`). Every range a proof names is a complete
subtree or the right edge of one, so a proof is made in two passes: `*_ranges` says which ranges
it needs, `nodes_of` which stored nodes those are, and `range_hash` folds them. Verification
follows RFC 9162 §2.1.3.2 and §2.1.4.2 and needs nothing but the proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import NamedTuple

EMPTY_ROOT = hashlib.sha256(b"").digest()


class Node(NamedTuple):
    level: int
    offset: int  # the subtree's position among those of its level


class Range(NamedTuple):
    """The leaves `[start, end)`: the tree over them has hash MTH(D[start:end])."""

    start: int
    end: int


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """The largest power of two smaller than `size` (size >= 2)."""
    return 1 << ((size - 1).bit_length() - 1)


# ------------------------------------------------------------------ the log's compact state
class CompactRange:
    """The right border of a tree: one complete subtree per set bit of its size, largest first.

    Appending a leaf yields the complete subtrees it completes (the nodes to store), and the root
    is the right-to-left fold of the border; so the sequencer needs O(log n) state, not the tree.
    """

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} border hashes, not {len(hashes)}")
        self.size = size
        self.hashes = list(hashes)

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Adds a leaf hash; returns every node it completes, the leaf itself first."""
        index = self.size
        created = [(Node(0, index), leaf)]
        self.hashes.append(leaf)
        level = 0
        while index & 1:  # the new subtree pairs with its left sibling on the border
            right = self.hashes.pop()
            left = self.hashes.pop()
            level += 1
            index >>= 1
            parent = node_hash(left, right)
            self.hashes.append(parent)
            created.append((Node(level, index), parent))
        self.size += 1
        return created

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            root = node_hash(left, root)
        return root


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The root over leaf hashes, in one streaming pass (the auditor's recomputation)."""
    tree = CompactRange()
    for leaf in leaves:
        tree.append(leaf)
    return tree.root()


# ------------------------------------------------------------------ proofs: which ranges
def inclusion_ranges(index: int, size: int) -> list[Range]:
    """RFC 9162 PATH(m, D[n]) as ranges, leaf side first."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            path.append(Range(start + k, end))
            end = start + k
        else:
            path.append(Range(start, start + k))
            start += k
    path.reverse()
    return path


def consistency_ranges(old_size: int, new_size: int) -> list[Range]:
    """RFC 9162 PROOF(m, D[n]) as ranges (empty when the sizes are equal)."""
    if not 0 < old_size <= new_size:
        raise ValueError(f"no consistency proof from {old_size} to {new_size}")
    proof: list[Range] = []
    start, end, m, complete = 0, new_size, old_size, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            proof.append(Range(start + k, end))
            end = start + k
        else:
            proof.append(Range(start, start + k))
            start += k
            m -= k
            complete = False
    if not complete:
        proof.append(Range(start, end))
    proof.reverse()
    return proof


def nodes_of(ranges: Iterable[Range]) -> set[Node]:
    """The stored complete subtrees that the ranges' hashes are folded from."""
    needed: set[Node] = set()
    for span in ranges:
        start = span.start
        while span.end > start:
            width = span.end - start
            k = width if width & (width - 1) == 0 else _split(width)
            level = k.bit_length() - 1
            needed.add(Node(level, start >> level))
            start += k
    return needed


def range_hash(span: Range, node: Callable[[Node], bytes] | Mapping[Node, bytes]) -> bytes:
    """MTH(D[start:end]) from stored complete subtrees."""
    lookup = node.__getitem__ if isinstance(node, Mapping) else node
    start, end = span
    width = end - start
    if width & (width - 1) == 0:
        level = width.bit_length() - 1
        return lookup(Node(level, start >> level))
    k = _split(width)
    return node_hash(range_hash(Range(start, start + k), lookup), range_hash(Range(start + k, end), lookup))


# ------------------------------------------------------------------ verification (the client's side)
def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does the audit path take `leaf` at `index` to `root` of a `size` tree?"""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the `new_size` tree an append-only extension of the `old_size` one?"""
    if not 0 < old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself on the path
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
