// vanthu composer: the markup toolbar, the signers of the chosen issuer, and the live
// preview (page images rendered by the service as the drafter types). The page works
// without it: the form posts, and the draft page shows the pages once saved.
(function () {
  "use strict";
  var form = document.getElementById("composer");
  if (!form) return;
  var template = form.getAttribute("data-template");

  // --- Toolbar: wraps the selection or inserts a line, in the documented markup.
  function edit(area, kind) {
    var s = area.selectionStart, e = area.selectionEnd, v = area.value;
    var sel = v.slice(s, e);
    var lineStart = v.lastIndexOf("\n", s - 1) + 1;
    var insert, caret;
    function wrap(mark, hint) {
      var t = sel || hint;
      insert = mark + t + mark;
      return [s, e, insert, s + mark.length, s + mark.length + t.length];
    }
    function prefix(p) {
      var line = v.slice(lineStart).split("\n")[0].replace(/^(#{1,3} |- |\d+\. )/, "");
      return [lineStart, lineStart + v.slice(lineStart).split("\n")[0].length, p + line, lineStart + p.length + line.length, lineStart + p.length + line.length];
    }
    var r;
    switch (kind) {
      case "bold": r = wrap("**", "chữ đậm"); break;
      case "italic": r = wrap("*", "chữ nghiêng"); break;
      case "h1": r = prefix("# "); break;
      case "h2": r = prefix("## "); break;
      case "h3": r = prefix("### "); break;
      case "list": r = prefix("- "); break;
      case "article":
        var n = (v.match(/(^|\n)Điều \d+\./g) || []).length + 1;
        r = prefix("Điều " + n + ". "); break;
      case "table":
        var t = "\n\n| TT | Nội dung | Thời hạn |\n|:--:|---|---|\n| 1 | … | … |\n\n";
        r = [e, e, t, e + t.length, e + t.length]; break;
      case "footnote":
        var k = (v.match(/\[\^\d+\]:/g) || []).length + 1;
        var mark = "[^" + k + "]";
        var def = "\n\n" + mark + ": ghi chú";
        area.value = v.slice(0, e) + mark + v.slice(e) + def;
        area.setSelectionRange(area.value.length - 7, area.value.length);
        area.focus();
        area.dispatchEvent(new Event("input", { bubbles: true }));
        return;
      default: return;
    }
    area.value = v.slice(0, r[0]) + r[2] + v.slice(r[1]);
    area.setSelectionRange(r[3], r[4]);
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }
  Array.prototype.forEach.call(document.querySelectorAll(".toolbar"), function (bar) {
    var area = document.getElementById(bar.getAttribute("data-for"));
    if (!area) return;
    bar.hidden = false;
    bar.addEventListener("click", function (ev) {
      var b = ev.target.closest("button[data-md]");
      if (b) { ev.preventDefault(); edit(area, b.getAttribute("data-md")); }
    });
  });

  // --- Signers: only those who sign for the chosen issuer.
  var issuer = document.getElementById("f-issuer"), signer = document.getElementById("f-signer");
  function filterSigners() {
    if (!issuer || !signer) return;
    var id = issuer.value;
    Array.prototype.forEach.call(signer.options, function (o) {
      var a = o.getAttribute("data-agencies");
      if (!a) return;
      var ok = !id || a.split(",").indexOf(id) >= 0;
      o.hidden = !ok; o.disabled = !ok;
      if (!ok && o.selected) signer.value = "";
    });
  }
  if (issuer) { issuer.addEventListener("change", filterSigners); filterSigners(); }

  // --- Only the fields of the chosen kind (Kính gửi for a công văn, Căn cứ for a
  // quyết định…); a field already holding text stays in view.
  var kind = document.getElementById("f-kind");
  function showKindFields() {
    var k = kind ? kind.value : "";
    Array.prototype.forEach.call(form.querySelectorAll(".field[data-kinds]"), function (f) {
      var input = document.getElementById("f-" + f.getAttribute("data-field"));
      var filled = input && input.value && input.value.trim() !== "";
      f.hidden = !filled && f.getAttribute("data-kinds").split("|").indexOf(k) < 0;
    });
  }
  if (kind) { kind.addEventListener("change", showKindFields); showKindFields(); }

  // --- Live preview: debounced, the newest answer wins, problems next to their field.
  var pages = document.getElementById("live-pages"), status = document.getElementById("live-status");
  // Until the drafter changes something, a new form's empty fields are not flagged.
  var timer = null, asked = 0, shown = 0, touched = false;
  function showErrors(errors) {
    // Before the first change, what the server rendered (errors of a refused submit) stays.
    if (!touched) return "";
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (f) {
      var name = f.getAttribute("data-field"), p = document.getElementById("e-" + name);
      var mine = errors.filter(function (e) { return e.field === name; });
      f.classList.toggle("invalid", mine.length > 0);
      var folded = f.closest("details");
      if (mine.length && folded) folded.open = true;
      var input = document.getElementById("f-" + name);
      if (input) { if (mine.length) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
      if (p) p.textContent = mine.map(function (e) { return e.message; }).join("; ");
    });
    var general = errors.filter(function (e) { return !e.field || !document.getElementById("e-" + e.field); });
    return general.map(function (e) { return (e.label ? e.label + ": " : "") + e.message; }).join("; ");
  }
  function refresh() {
    var n = ++asked;
    status.textContent = "Đang cập nhật xem trước…";
    var body = new URLSearchParams(new FormData(form));
    fetch("/drafts/preview?template=" + encodeURIComponent(template), {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    }).then(function (j) {
      if (n < shown) return;
      shown = n;
      var general = showErrors(j.errors || []);
      if (j.ok) {
        pages.textContent = "";
        j.pages.forEach(function (src, i) {
          var img = document.createElement("img");
          img.src = src; img.alt = "Trang " + (i + 1) + " của văn bản xem trước";
          img.className = "page";
          pages.appendChild(img);
        });
        var count = j.page_count + " trang" + (j.page_count > j.pages.length ? " (hiện " + j.pages.length + " trang đầu)" : "");
        status.textContent = j.sketch
          ? "Bản phác thảo, " + count + ": các chỗ «…» trên trang còn thiếu" + (general ? " (" + general + ")" : "") + "."
          : "Xem trước: " + count + ".";
        pages.classList.remove("stale");
      } else {
        pages.classList.add("stale");
        status.textContent = touched
          ? "Chưa xem trước được: " + (general || "hãy sửa các ô được đánh dấu") + "."
          : "Điền các ô có dấu * để xem trước văn bản.";
      }
    }).catch(function (e) {
      status.textContent = "Không cập nhật được xem trước (" + e.message + ").";
    });
  }
  function later() { touched = true; clearTimeout(timer); timer = setTimeout(refresh, 350); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
