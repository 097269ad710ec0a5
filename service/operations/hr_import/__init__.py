"""The HR import: read an HR export, map its columns once, preview, then apply all rows or none.

``files`` reads CSV/XLSX, ``fields`` maps and checks rows, ``plan`` previews and applies,
``links`` ties HR records to LMS people (and is called by every launch), ``uploads`` keeps the
remembered column mapping and the web's pending uploads. This package module imports nothing,
so ``operations.launches`` can import ``links`` while ``plan`` imports ``launches``.
"""
