"""The certificates ZIP is written a page at a time, and a page that fails leaves no file behind."""

from __future__ import annotations

import zipfile

import pytest

from service.operations.certificates import write_zip


def test_each_page_is_written_into_one_zip_in_the_given_folder(tmp_path):
    pages = [[("a.pdf", b"%PDF-a"), ("b.pdf", b"%PDF-b")], [("c.pdf", b"%PDF-c")]]

    path = write_zip(tmp_path, iter(pages))

    assert path.parent == tmp_path and path.suffix == ".zip"
    with zipfile.ZipFile(path) as archive:
        assert {name: archive.read(name) for name in archive.namelist()} == {
            "a.pdf": b"%PDF-a", "b.pdf": b"%PDF-b", "c.pdf": b"%PDF-c"}


def test_a_page_that_fails_removes_the_half_written_file_and_the_error_goes_on(tmp_path):
    def pages():
        yield [("a.pdf", b"%PDF-a")]
        raise RuntimeError("the second page could not be rendered")

    with pytest.raises(RuntimeError, match="second page"):
        write_zip(tmp_path, pages())

    assert list(tmp_path.iterdir()) == []
