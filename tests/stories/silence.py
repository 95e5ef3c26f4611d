"""Tiny FLAC files holding hours of digital silence, made in milliseconds.

FLAC stores a block of identical samples as one CONSTANT subframe, so ten
hours at 8 kHz is about 4,400 frames of 15 bytes: the kind of small file that
would hold a worker for hours. `declared_seconds` writes a different length
into the header (STREAMINFO total samples), as a lying file would.
"""
from __future__ import annotations

import struct
from pathlib import Path

RATE = 8000
BLOCK = 65535


def _crc8(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _crc16(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x8005) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def _frame_number(n: int) -> bytes:
    """FLAC writes frame numbers UTF-8 style (the surrogate range included), up to 0xFFFF here."""
    if n < 0x80:
        return bytes([n])
    if n < 0x800:
        return bytes([0xC0 | (n >> 6), 0x80 | (n & 0x3F)])
    return bytes([0xE0 | (n >> 12), 0x80 | ((n >> 6) & 0x3F), 0x80 | (n & 0x3F)])


def _frame(number: int, size: int) -> bytes:
    header = bytes([0xFF, 0xF8, 0x74, 0x08]) + _frame_number(number)
    header += struct.pack(">H", size - 1)
    header += bytes([_crc8(header)])
    body = header + b"\x00\x00\x00"  # CONSTANT subframe, sample value 0 (16-bit)
    return body + struct.pack(">H", _crc16(body))


def flac_silence(dest: Path, seconds: float, declared_seconds: float | None = None) -> Path:
    total = int(seconds * RATE)
    declared = int((seconds if declared_seconds is None else declared_seconds) * RATE)
    info = struct.pack(">HH", 16, BLOCK) + b"\x00\x00\x00" + b"\x00\x00\x00"
    # 20 bits rate, 3 bits channels-1, 5 bits bps-1, 36 bits total samples
    packed = (RATE << 44) | (0 << 41) | (15 << 36) | declared
    info += packed.to_bytes(8, "big") + b"\x00" * 16
    out = bytearray(b"fLaC" + bytes([0x80, 0, 0, 34]) + info)
    number = 0
    while total > 0:
        size = min(BLOCK, total)
        size = max(size, 16)
        out += _frame(number, size)
        total -= size
        number += 1
    dest.write_bytes(bytes(out))
    return dest
