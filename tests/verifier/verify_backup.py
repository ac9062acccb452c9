#!/usr/bin/env python3
"""Checks a backup folder of spbe-desk as docs/operations.md describes it,
without its code: the Ed25519 signature (manifest.sig, hexadecimal) over
the exact bytes of manifest.json, by the given public key, and the size and
SHA-256 of every file the manifest lists.

Usage: verify_backup.py DIR PUBLIC_KEY_HEX   (exit 0: intact; 1: not)
"""
import hashlib
import json
import os
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def fail(message):
    print(f"backup NOT intact: {message}")
    sys.exit(1)


def main(folder, public_key_hex):
    with open(os.path.join(folder, "manifest.json"), "rb") as f:
        signed = f.read()
    with open(os.path.join(folder, "manifest.sig"), "r", encoding="ascii") as f:
        signature = bytes.fromhex(f.read().strip())
    public_key = bytes.fromhex(public_key_hex)
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, signed)
    except InvalidSignature:
        fail("the signature does not verify with the given key")
    manifest = json.loads(signed)
    if manifest["format"] != "spbe-desk/backup-manifest/v1":
        fail(f"unknown format {manifest['format']}")
    if manifest["key_id"] != hashlib.sha256(public_key).hexdigest()[:16]:
        fail("key_id is not the first 8 bytes of SHA-256(public key)")
    for entry in manifest["files"]:
        path = entry["path"]
        if path.startswith("/") or ".." in path.split("/"):
            fail(f"{path} leaves the folder")
        digest, size = hashlib.sha256(), 0
        with open(os.path.join(folder, *path.split("/")), "rb") as f:
            for block in iter(lambda: f.read(1 << 16), b""):
                digest.update(block)
                size += len(block)
        if size != entry["size_bytes"] or digest.hexdigest() != entry["sha256"]:
            fail(f"{path} differs from the manifest")
    print(f"backup intact: {len(manifest['files'])} files, signed by {manifest['key_id']}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
