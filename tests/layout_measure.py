"""Measure a rendered PDF's layout with pdfplumber and print it as JSON.

Usage: python3 tests/layout_measure.py FILE.pdf

For every page: its size and its lines, each line the words sharing a baseline
(within 1.5 pt, so the two header columns may share one) with their text and words, left and right edges, top and bottom (pt from the
top of the page), the font size and whether the words are bold or italic. The tests
in tests/layout.rs read this to hold the rules of Nghị định 30, Phụ lục I.
"""
import json
import sys

import pdfplumber


def style(fontname):
    name = fontname.split("+")[-1].lower()
    return ("bold" in name, "italic" in name)


def lines_of(page):
    words = page.extract_words(
        keep_blank_chars=False,
        use_text_flow=False,
        extra_attrs=["size", "fontname"],
        x_tolerance=1.5,
    )
    rows = []
    for w in sorted(words, key=lambda w: (round(w["bottom"], 1), w["x0"])):
        bold, italic = style(w["fontname"])
        word = {
            "text": w["text"],
            "x0": round(w["x0"], 2),
            "x1": round(w["x1"], 2),
            "top": round(w["top"], 2),
            "bottom": round(w["bottom"], 2),
            "size": round(w["size"], 2),
            "bold": bold,
            "italic": italic,
        }
        for row in rows:
            if abs(row["bottom"] - word["bottom"]) < 1.5 and (
                # words of two columns on one baseline are two lines when far apart
                word["x0"] - row["words"][-1]["x1"] < 40
            ):
                row["words"].append(word)
                break
        else:
            rows.append({"bottom": word["bottom"], "words": [word]})
    out = []
    for row in rows:
        ws = sorted(row["words"], key=lambda w: w["x0"])
        out.append({
            "text": " ".join(w["text"] for w in ws),
            "x0": ws[0]["x0"],
            "x1": ws[-1]["x1"],
            "top": min(w["top"] for w in ws),
            "bottom": max(w["bottom"] for w in ws),
            "size": max(w["size"] for w in ws),
            "bold": all(w["bold"] for w in ws),
            "italic": all(w["italic"] for w in ws),
            "words": [{"text": w["text"], "x0": w["x0"], "x1": w["x1"]} for w in ws],
        })
    out.sort(key=lambda l: (l["bottom"], l["x0"]))
    return out


def rules_of(page):
    """Horizontal rules drawn as lines or thin rectangles."""
    found = []
    for l in page.lines:
        if abs(l["top"] - l["bottom"]) < 0.5:
            found.append({"x0": round(l["x0"], 2), "x1": round(l["x1"], 2), "top": round(l["top"], 2)})
    for r in page.rects:
        if r["height"] < 1.5 and r["width"] > 5:
            found.append({"x0": round(r["x0"], 2), "x1": round(r["x1"], 2), "top": round(r["top"], 2)})
    return found


with pdfplumber.open(sys.argv[1]) as pdf:
    pages = [
        {
            "width": round(p.width, 2),
            "height": round(p.height, 2),
            "lines": lines_of(p),
            "rules": rules_of(p),
        }
        for p in pdf.pages
    ]
print(json.dumps({"pages": pages}, ensure_ascii=False))
