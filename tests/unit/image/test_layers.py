"""Layer merging: overrides, whiteouts, opaque directories and history pairing."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

from workers.image import open_image

BASE = [
    ("etc", "dir", ""),
    ("etc/os-release", "file", b"ID=debian\n"),
    ("app", "dir", ""),
    ("app/a.txt", "file", b"a"),
    ("app/sub", "dir", ""),
    ("app/sub/b.txt", "file", b"b"),
    ("cache", "dir", ""),
    ("cache/x", "file", b"x"),
    ("data", "dir", ""),
    ("data/old", "file", b"old"),
]


def test_later_layers_override_and_whiteouts_delete(make_archive: Callable[..., Path]) -> None:
    top = [
        ("etc/os-release", "file", b"ID=custom\n"),
        ("app/.wh.sub", "file", b""),
        ("cache/.wh..wh..opq", "file", b""),
        ("cache/y", "file", b"y"),
        ("data", "file", b"now a file"),
    ]
    with open_image(f"docker-archive:{make_archive([BASE, top])}") as image:
        paths = {e.path: e for e in image.files()}
        assert image.read("/etc/os-release") == b"ID=custom\n"
        assert paths["/etc/os-release"].layer_index == 1
        assert paths["/etc/os-release"].layer_diff_id == image.layers[1].diff_id
        assert paths["/app/a.txt"].layer_index == 0
        assert "/app/sub" not in paths and "/app/sub/b.txt" not in paths
        assert "/cache/x" not in paths and image.read("/cache/y") == b"y"
        assert paths["/cache"].type == "dir"
        assert "/data/old" not in paths and image.read("/data") == b"now a file"
        assert not any(".wh." in p for p in paths)


def test_deleted_then_recreated_path_survives(make_archive: Callable[..., Path]) -> None:
    delete = [("app/.wh.a.txt", "file", b"")]
    recreate = [("app/a.txt", "file", b"again")]
    with open_image(f"docker-archive:{make_archive([BASE, delete, recreate])}") as image:
        assert image.read("/app/a.txt") == b"again"
        entry = image.entry("/app/a.txt")
        assert entry is not None and entry.layer_index == 2


def test_history_pairs_empty_layers_and_gzip_layers_are_read(
    make_archive: Callable[..., Path], tar_layer: Callable[..., bytes]
) -> None:
    history = [
        {"created_by": "ADD rootfs /"},
        {"created_by": "ENV A=1", "empty_layer": True},
        {"created_by": "COPY a /"},
    ]
    blobs = [tar_layer(BASE), gzip.compress(tar_layer([("z", "file", b"zz")]))]
    with open_image(f"docker-archive:{make_archive(blobs, history=history)}") as image:
        assert [layer.empty_layer for layer in image.layers] == [False, True, False]
        assert image.layers[1].created_by == "ENV A=1" and image.layers[1].diff_id == ""
        z = image.entry("/z")
        assert z is not None and z.layer_index == 2 and image.read("/z") == b"zz"
        assert image.name == "test/image:1"
        assert image.config["config"]["User"] == "app"
        assert image.image_id.startswith("sha256:")


def test_symlinks_and_hardlinks_resolve_inside_the_image(make_archive: Callable[..., Path]) -> None:
    layer = [
        ("usr", "dir", ""),
        ("usr/lib", "dir", ""),
        ("usr/lib/libz.so.1", "file", b"ELF"),
        ("lib", "symlink", "usr/lib"),
        ("etc", "dir", ""),
        ("etc/alt", "symlink", "/usr/lib/libz.so.1"),
        ("etc/rel", "symlink", "../usr/lib/libz.so.1"),
        ("usr/lib/hard", "hardlink", "usr/lib/libz.so.1"),
    ]
    with open_image(f"docker-archive:{make_archive([layer])}") as image:
        assert image.read("/lib/libz.so.1") == b"ELF"
        assert image.read("/etc/alt") == b"ELF" and image.read("/etc/rel") == b"ELF"
        assert image.realpath("/lib/libz.so.1") == "/usr/lib/libz.so.1"
        assert image.read("/usr/lib/hard") == b"ELF"
        hard = image.entry("/usr/lib/hard")
        assert hard is not None and hard.type == "hardlink" and hard.size == 3
        link = image.entry("/lib", follow=False)
        assert link is not None and link.type == "symlink" and link.linkname == "usr/lib"
        assert image.exists("/lib/libz.so.1") and not image.exists("/lib/nothing")
        with image.open("/lib/libz.so.1") as stream:
            stream.seek(1)
            assert stream.read() == b"LF"


def test_deleted_and_replaced_entries_stay_visible_as_shadowed(make_archive: Callable[..., Path]) -> None:
    """What a later layer hides is still in the image's tars: the secret-file check must see it."""
    top = [
        ("etc/os-release", "file", b"ID=custom\n"),
        ("app/.wh.sub", "file", b""),
        ("cache/.wh..wh..opq", "file", b""),
        ("data", "file", b"now a file"),
        ("etc", "dir", ""),  # a directory listed again is not a replacement
    ]
    with open_image(f"docker-archive:{make_archive([BASE, top])}") as image:
        shadowed = {(e.path, e.layer_index): e for e in image.shadowed()}
        assert set(shadowed) == {
            ("/etc/os-release", 0),
            ("/app/sub", 0),
            ("/app/sub/b.txt", 0),
            ("/cache/x", 0),
            ("/data", 0),
            ("/data/old", 0),
        }
        assert image.read_shadowed(shadowed[("/etc/os-release", 0)]) == b"ID=debian\n"
        assert image.read_shadowed(shadowed[("/app/sub/b.txt", 0)]) == b"b"
        assert image.read("/etc/os-release") == b"ID=custom\n"
