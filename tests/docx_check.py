"""Open a DOCX with python-docx (a real consumer) and print what the tests check, as JSON.

Usage: python3 tests/docx_check.py FILE.docx
"""
import json
import sys

import docx
from docx.oxml.ns import qn


def texts(container):
    for p in container.paragraphs:
        yield p.text
    for t in container.tables:
        for row in t.rows:
            for cell in row.cells:
                yield from texts(cell)


d = docx.Document(sys.argv[1])
body = d.element.body
fonts = set()
runs_without_fonts = 0
for r in body.iter(qn("w:r")):
    rpr = r.find(qn("w:rPr"))
    rf = rpr.find(qn("w:rFonts")) if rpr is not None else None
    if rf is None:
        runs_without_fonts += 1
        continue
    for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.add(rf.get(qn(slot)))
s = d.sections[0]
merged = len(body.findall(".//" + qn("w:vMerge")))
spans = len(body.findall(".//" + qn("w:gridSpan")))
print(json.dumps({
    "lines": list(dict.fromkeys(texts(d))),
    "fonts": sorted(f or "" for f in fonts),
    "runs_without_fonts": runs_without_fonts,
    "page_twips": [s.page_width.twips, s.page_height.twips],
    "margins_twips": [s.top_margin.twips, s.bottom_margin.twips, s.left_margin.twips, s.right_margin.twips],
    "different_first_page": s.different_first_page_header_footer,
    "header_text": [p.text for p in s.header.paragraphs],
    "header_xml_has_page_field": "PAGE" in s.header._element.xml,
    "first_header_text": [p.text.strip() for p in s.first_page_header.paragraphs],
    "vmerge": merged,
    "gridspan": spans,
}, ensure_ascii=False))
