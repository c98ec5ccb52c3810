"""Zip members copied as they are: a workbook's parts moved into a repeatable archive without
inflating and deflating them again."""

from __future__ import annotations

import struct
import zipfile


def copy_member(
    source: zipfile.ZipFile,
    target: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    date_time: tuple[int, int, int, int, int, int] | None = None,
    external_attr: int | None = None,
) -> None:
    """Copy one member's compressed bytes as they are (no inflate, no deflate); `date_time`
    and `external_attr`, when given, replace the source's in the copy's headers."""
    assert source.fp is not None and target.fp is not None
    source.fp.seek(info.header_offset)
    local = source.fp.read(30)
    name_length, extra_length = struct.unpack("<HH", local[26:30])
    source.fp.seek(info.header_offset + 30 + name_length + extra_length)
    raw = source.fp.read(info.compress_size)
    copied = zipfile.ZipInfo(info.filename, date_time=date_time or info.date_time)
    copied.compress_type = info.compress_type
    copied.flag_bits = info.flag_bits & ~0x08  # sizes go in the local header, no descriptor
    copied.CRC, copied.compress_size, copied.file_size = (
        info.CRC,
        info.compress_size,
        info.file_size,
    )
    copied.external_attr = info.external_attr if external_attr is None else external_attr
    copied.create_system = info.create_system
    copied.header_offset = target.fp.tell()
    target.fp.write(copied.FileHeader())
    target.fp.write(raw)
    target.filelist.append(copied)
    target.NameToInfo[copied.filename] = copied
    target.start_dir = target.fp.tell()
    target._didModify = True
