#!/usr/bin/python3
"""Reads every message of a Maildir (or a folder of .eml files) with Python's `email`
package and prints them as JSON: the decoded headers, both bodies and each
attachment's decoded file name and SHA-256, so the Rust tests judge what a real mail
client would show."""
import email
import email.policy
import hashlib
import json
import mailbox
import os
import sys


def raw_header(raw: bytes, name: bytes) -> str:
    """The header's first line as sent (before decoding), to check it is plain ASCII."""
    head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]
    for line in head.split(b"\n"):
        if line.lower().startswith(name + b":"):
            return line.decode("ascii", "replace")
    return ""


def describe(raw: bytes):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    attachments = []
    for part in msg.iter_attachments():
        payload = part.get_payload(decode=True)
        attachments.append(
            {
                "filename": part.get_filename(),
                "content_type": part.get_content_type(),
                # The name= of Content-Type, which older clients read (RFC 2047 decoded).
                "name": part.get_param("name"),
                "sha256": hashlib.sha256(payload).hexdigest(),
            }
        )
    return {
        "delivered_to": str(msg.get("Delivered-To", "")),
        "message_id": str(msg.get("Message-ID", "")),
        "from": str(msg.get("From", "")),
        "reply_to": str(msg.get("Reply-To", "")),
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "raw_subject": raw_header(raw, b"subject"),
        "date": raw_header(raw, b"date"),
        "dates": raw.split(b"\r\n\r\n", 1)[0].lower().count(b"\r\ndate:") + raw.lower().startswith(b"date:"),
        "auto_submitted": str(msg.get("Auto-Submitted", "")),
        "text": text.get_content() if text else "",
        "html": html.get_content() if html else "",
        "attachments": attachments,
        # Every line of the message (headers of each part included; bodies are base64
        # or quoted-printable), for RFC 5322's 78-character line.
        "longest_line": max(len(l) for l in raw.replace(b"\r\n", b"\n").split(b"\n")),
    }


def main():
    path = sys.argv[1]
    out = []
    if os.path.isdir(os.path.join(path, "new")):
        box = mailbox.Maildir(path, create=False)
        for key in sorted(box.keys()):
            with box.get_file(key) as f:
                out.append(describe(f.read()))
    else:
        for name in sorted(os.listdir(path)):
            if name.endswith(".eml"):
                with open(os.path.join(path, name), "rb") as f:
                    out.append(describe(f.read()))
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
