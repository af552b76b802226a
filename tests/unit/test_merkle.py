"""RFC 9162 Merkle trees: the RFC 6962 test vectors, and every proof up to 40 leaves against the
RFC's recursive definitions (MTH, PATH, SUBPROOF) written out naively here."""

from __future__ import annotations

import hashlib

import pytest

from core import merkle
from core.merkle import CompactRange, Node, Range

# RFC 6962's test leaves and tree heads (also in transparency-dev/merkle and Certificate Transparency).
LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                      "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# The RFC 6962 vectors' audit path of leaf 0 in the 8-leaf tree, which is also the 1 -> 8 consistency proof.
PATH_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    if m == len(leaves):
        return [] if complete else [mth(leaves)]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


def tree(size: int) -> tuple[list[bytes], dict[Node, bytes]]:
    """`size` leaf hashes and every complete subtree the sequencer stores for them."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    compact = CompactRange()
    nodes: dict[Node, bytes] = {}
    for leaf in leaves:
        nodes.update(compact.append(leaf))
    return leaves, nodes


def test_the_rfc_6962_tree_heads() -> None:
    leaves = [merkle.leaf_hash(data) for data in LEAVES]
    for size, root in ROOTS.items():
        assert mth(leaves[:size]).hex() == root
        assert merkle.root_of(leaves[:size]).hex() == root


def test_the_rfc_6962_audit_path_and_consistency_proof() -> None:
    leaves = [merkle.leaf_hash(data) for data in LEAVES]
    _, nodes = tree(0)
    compact = CompactRange()
    for leaf in leaves:
        nodes.update(compact.append(leaf))
    proof = [merkle.range_hash(r, nodes) for r in merkle.inclusion_ranges(0, 8)]
    assert [p.hex() for p in proof] == PATH_0_OF_8
    assert [merkle.range_hash(r, nodes).hex() for r in merkle.consistency_ranges(1, 8)] == PATH_0_OF_8
    root8, root1 = bytes.fromhex(ROOTS[8]), bytes.fromhex(ROOTS[1])
    assert merkle.verify_inclusion(leaves[0], 0, 8, proof, root8)
    assert merkle.verify_consistency(1, 8, root1, root8, proof)


def test_an_empty_tree_has_the_hash_of_nothing() -> None:
    assert CompactRange().root() == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 41))
def test_every_inclusion_proof_matches_the_rfc_and_verifies(size: int) -> None:
    leaves, nodes = tree(size)
    root = mth(leaves)
    for m in range(size):
        ranges = merkle.inclusion_ranges(m, size)
        assert merkle.nodes_of(ranges) <= set(nodes)
        proof = [merkle.range_hash(r, nodes) for r in ranges]
        assert proof == path(m, leaves)
        assert merkle.verify_inclusion(leaves[m], m, size, proof, root)
        # Then: any other leaf, index, size or a damaged path fails
        assert not merkle.verify_inclusion(merkle.leaf_hash(b"forged"), m, size, proof, root)
        assert not merkle.verify_inclusion(leaves[m], m, size, proof, mth(leaves[:-1]))
        if size > 1:
            assert not merkle.verify_inclusion(leaves[m], (m + 1) % size, size, proof, root)
            assert not merkle.verify_inclusion(leaves[m], m, size, proof[:-1], root)
            assert not merkle.verify_inclusion(leaves[m], m, size, [*proof[:-1], root], root)


@pytest.mark.parametrize("new_size", range(1, 41))
def test_every_consistency_proof_matches_the_rfc_and_verifies(new_size: int) -> None:
    leaves, nodes = tree(new_size)
    new_root = mth(leaves)
    for old_size in range(1, new_size + 1):
        old_root = mth(leaves[:old_size])
        proof = [merkle.range_hash(r, nodes) for r in merkle.consistency_ranges(old_size, new_size)]
        assert proof == subproof(old_size, leaves, True)
        assert merkle.verify_consistency(old_size, new_size, old_root, new_root, proof)
        # Then: a rewritten old tree, a wrong size or a damaged proof fails
        assert not merkle.verify_consistency(old_size, new_size, merkle.leaf_hash(b"x"), new_root, proof)
        if old_size < new_size:
            assert not merkle.verify_consistency(old_size, new_size, old_root, old_root, proof)
            assert not merkle.verify_consistency(old_size, new_size, old_root, new_root, proof[:-1])
            assert not merkle.verify_consistency(old_size + 1, new_size, old_root, new_root, proof)


def test_the_compact_range_stores_each_complete_subtree_once() -> None:
    # Given a tree of 7 leaves: 7 leaves, 3 pairs, 1 four
    _, nodes = tree(7)
    assert sorted(n.level for n in nodes) == [0] * 7 + [1] * 3 + [2]
    # When it is rebuilt from its border alone, the next leaf completes the 8-leaf root
    leaves, _ = tree(8)
    compact = CompactRange(7, [nodes[Node(2, 0)], nodes[Node(1, 2)], nodes[Node(0, 6)]])
    created = compact.append(leaves[7])
    assert [node for node, _ in created] == [Node(0, 7), Node(1, 3), Node(2, 1), Node(3, 0)]
    assert compact.root() == mth(leaves)


def test_proof_arguments_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_ranges(0, 5)
    with pytest.raises(ValueError):
        CompactRange(3, [b"x"])
    assert not merkle.verify_consistency(0, 3, b"", b"", [])
    assert merkle.nodes_of([Range(4, 7)]) == {Node(1, 2), Node(0, 6)}
