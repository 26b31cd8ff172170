//! What changed after a signature: the document of the revision it signed against each
//! later revision, object by object (what pyHanko calls difference analysis).
//!
//! A later revision may only add signature fields and their widgets (and fill an
//! empty signature field), add or extend the DSS and document timestamps, and update
//! the catalog and form entries those need (`/AcroForm`, `/DSS`, `/Extensions`,
//! `/Version`; the form's `/Fields`, `/SigFlags`, `/DR`; a page's `/Annots`, by
//! signature widgets only), and the `/ModDate` and `/Producer` of `/Info`. Anything
//! else reachable from the signed revision's catalog or `/Info` that changed or went
//! is named, e.g. "trang 1: nội dung thay đổi". The rules look at what each later
//! revision holds, never at who signed it: a later signature does not make the changes
//! of its own revision acceptable for the earlier ones.

use std::collections::{BTreeSet, HashMap, HashSet};

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::metadata::{info_rule, xmp_rule};

/// Catalog keys a later revision may change.
const CATALOG_FREE: [&[u8]; 4] = [b"AcroForm", b"DSS", b"Extensions", b"Version"];
/// Keys of the form dictionary a later revision may change (`/Fields` by its own rule).
const FORM_FREE: [&[u8]; 2] = [b"SigFlags", b"DR"];
/// Keys of an empty signature field (or its widget) that signing fills.
const FILL_FREE: [&[u8]; 4] = [b"V", b"AP", b"AS", b"MK"];

/// What an object of the signed revision is to its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnPage {
    Page,
    Annots,
    Contents,
    Resource,
    Annotation,
}

/// The parts of the signed revision the rules need.
struct Roles {
    root: ObjectId,
    info: Option<ObjectId>,
    metadata: Option<ObjectId>,
    acroform: Option<ObjectId>,
    fields: Option<ObjectId>,
    page_of: HashMap<ObjectId, (u32, OnPage)>,
    page_nodes: HashSet<ObjectId>,
    dss: HashSet<ObjectId>,
    /// Empty signature fields and their widgets: signing may fill them.
    fillable: HashSet<ObjectId>,
    /// The appearance streams of those widgets: signing may redraw them.
    fill_appearances: HashSet<ObjectId>,
    /// The values of the signed signature fields.
    signatures: HashSet<ObjectId>,
    live: BTreeSet<ObjectId>,
}

/// What changed from `a` (the signed revision) to `b` (a later one) that a signature
/// does not allow, in words; empty when nothing did.
pub(super) fn changes(a: &Document, b: &Document) -> Vec<String> {
    let mut out = vec![];
    let (Ok(a_root), Ok(b_root)) = (root_of(a), root_of(b)) else {
        return vec!["không đọc được danh mục tài liệu (/Root)".into()];
    };
    if a_root != b_root {
        return vec!["danh mục tài liệu (/Root) bị thay thế".into()];
    }
    let roles = Roles::of(a, a_root);
    // /Info, whether replaced or changed in place.
    let b_info = b.trailer.get(b"Info").and_then(Object::as_reference).ok();
    if roles.info != b_info {
        let old = roles.info.and_then(|id| a.get_dictionary(id).ok());
        let new = b_info.and_then(|id| b.get_dictionary(id).ok());
        info_rule(a, b, old, new, &mut out);
    }
    for &id in &roles.live {
        let Some(old) = a.objects.get(&id) else {
            continue;
        };
        let Some(new) = b.objects.get(&id) else {
            if !roles.dss.contains(&id) {
                out.push(format!("{} bị xóa", roles.describe(id)));
            }
            continue;
        };
        if same(old, new) || roles.dss.contains(&id) || roles.fillable_changed_freely(id) {
            continue;
        }
        if old.as_array().is_ok() && new.as_array().is_ok() {
            continue; // below
        }
        let (Ok(od), Ok(nd)) = (dict_of(old), dict_of(new)) else {
            out.push(format!("{} thay đổi", roles.describe(id)));
            continue;
        };
        if Some(id) == roles.metadata {
            xmp_rule(old, new, &mut out);
        } else if id == roles.root {
            catalog_rule(a, b, od, nd, &mut out);
        } else if Some(id) == roles.acroform {
            form_rule(a, b, od, nd, &mut out);
        } else if Some(id) == roles.info {
            if b_info == roles.info {
                info_rule(a, b, Some(od), Some(nd), &mut out);
            }
        } else if roles.fillable.contains(&id) {
            for key in changed_keys(od, nd) {
                if !FILL_FREE.contains(&key.as_slice()) {
                    out.push(format!("trường chữ ký chưa ký: /{} thay đổi", name(&key)));
                }
            }
        } else if let Some(&(n, OnPage::Page)) = roles.page_of.get(&id) {
            page_rule(a, b, n, od, nd, &mut out);
        } else {
            out.push(format!("{} thay đổi", roles.describe(id)));
        }
    }
    // Arrays held as their own objects: the form's fields, a page's annotations.
    for &id in &roles.live {
        let (Some(old), Some(new)) = (a.objects.get(&id), b.objects.get(&id)) else {
            continue;
        };
        let (Ok(o), Ok(n)) = (old.as_array(), new.as_array()) else {
            continue;
        };
        if same(old, new) || roles.dss.contains(&id) {
            continue;
        }
        if Some(id) == roles.fields {
            fields_rule(b, o, n, &mut out);
        } else if let Some(&(page, OnPage::Annots)) = roles.page_of.get(&id) {
            annots_rule(b, page, o, n, &mut out);
        } else {
            out.push(format!("{} thay đổi", roles.describe(id)));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn root_of(doc: &Document) -> Result<ObjectId, lopdf::Error> {
    doc.trailer.get(b"Root").and_then(Object::as_reference)
}

impl Roles {
    fn of(doc: &Document, root: ObjectId) -> Roles {
        let catalog = doc.get_dictionary(root).ok();
        let at = |key: &[u8]| catalog.and_then(|c| c.get(key).and_then(Object::as_reference).ok());
        let info = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
        let acroform = at(b"AcroForm");
        let form = catalog
            .and_then(|c| c.get(b"AcroForm").ok())
            .and_then(|f| resolve(doc, f).as_dict().ok());
        let fields = form.and_then(|f| f.get(b"Fields").and_then(Object::as_reference).ok());
        let mut roles = Roles {
            root,
            info,
            metadata: at(b"Metadata"),
            acroform,
            fields,
            page_of: HashMap::new(),
            page_nodes: HashSet::new(),
            dss: HashSet::new(),
            fillable: HashSet::new(),
            fill_appearances: HashSet::new(),
            signatures: HashSet::new(),
            live: BTreeSet::new(),
        };
        if let Some(dss) = catalog.and_then(|c| c.get(b"DSS").ok()) {
            let mut set = BTreeSet::new();
            reach(doc, dss, &mut set);
            roles.dss.extend(set);
        }
        // Pages, in order: each object is named by the first page that reaches it.
        for (n, page_id) in doc.get_pages() {
            roles.page_of.entry(page_id).or_insert((n, OnPage::Page));
            let Ok(page) = doc.get_dictionary(page_id) else {
                continue;
            };
            if let Ok(contents) = page.get(b"Contents") {
                let mut set = BTreeSet::new();
                reach(doc, contents, &mut set);
                for id in set {
                    roles.page_of.entry(id).or_insert((n, OnPage::Contents));
                }
            }
            if let Ok(Object::Reference(annots)) = page.get(b"Annots") {
                roles.page_of.entry(*annots).or_insert((n, OnPage::Annots));
            }
            if let Ok(annots) = page.get(b"Annots") {
                let mut set = BTreeSet::new();
                reach(doc, annots, &mut set);
                for id in set {
                    roles.page_of.entry(id).or_insert((n, OnPage::Annotation));
                }
            }
            for key in [&b"Resources"[..], b"Thumb", b"Group"] {
                if let Ok(r) = page.get(key) {
                    let mut set = BTreeSet::new();
                    reach(doc, r, &mut set);
                    for id in set {
                        roles.page_of.entry(id).or_insert((n, OnPage::Resource));
                    }
                }
            }
        }
        // The page tree's inner nodes.
        for (&id, obj) in &doc.objects {
            if let Ok(d) = obj.as_dict()
                && d.get(b"Type")
                    .and_then(Object::as_name)
                    .is_ok_and(|t| t == b"Pages")
            {
                roles.page_nodes.insert(id);
            }
        }
        // Signature fields: filled ones keep their value; empty ones may be filled.
        if let Some(form) = form
            && let Ok(fields) = form.get(b"Fields")
        {
            let list: Vec<Object> = resolve(doc, fields).as_array().cloned().unwrap_or_default();
            let mut seen = HashSet::new();
            for f in list {
                roles.walk_field(doc, &f, false, &mut seen);
            }
        }
        let mut live = BTreeSet::new();
        reach(doc, &Object::Reference(root), &mut live);
        if let Some(info) = info {
            reach(doc, &Object::Reference(info), &mut live);
        }
        roles.live = live;
        roles
    }

    fn walk_field(
        &mut self,
        doc: &Document,
        field: &Object,
        inherited_sig: bool,
        seen: &mut HashSet<ObjectId>,
    ) {
        let Ok(id) = field.as_reference() else { return };
        if !seen.insert(id) || seen.len() > 10_000 {
            return;
        }
        let Ok(d) = doc.get_dictionary(id) else {
            return;
        };
        let is_sig = d
            .get(b"FT")
            .and_then(Object::as_name)
            .map(|n| n == b"Sig")
            .unwrap_or(inherited_sig);
        if is_sig {
            match d.get(b"V") {
                Ok(Object::Reference(v)) => {
                    self.signatures.insert(*v);
                }
                Ok(_) => {}
                Err(_) => {
                    self.fillable.insert(id);
                    if let Ok(ap) = d.get(b"AP") {
                        let mut set = BTreeSet::new();
                        reach(doc, ap, &mut set);
                        self.fill_appearances.extend(set);
                    }
                }
            }
        }
        if let Ok(kids) = d.get(b"Kids") {
            let kids = resolve(doc, kids).as_array().cloned().unwrap_or_default();
            for k in kids {
                if is_sig
                    && d.get(b"V").is_err()
                    && let Ok(kid) = k.as_reference()
                {
                    self.fillable.insert(kid);
                }
                self.walk_field(doc, &k, is_sig, seen);
            }
        }
    }

    /// An appearance of an empty signature field's widget: redrawn when it is filled.
    fn fillable_changed_freely(&self, id: ObjectId) -> bool {
        self.fill_appearances.contains(&id) && !self.fillable.contains(&id)
    }

    /// An object of the signed revision in words.
    fn describe(&self, id: ObjectId) -> String {
        if id == self.root {
            return "danh mục tài liệu".into();
        }
        if Some(id) == self.info {
            return "thông tin tệp (/Info)".into();
        }
        if Some(id) == self.metadata {
            return "siêu dữ liệu XMP của tệp".into();
        }
        if Some(id) == self.acroform || Some(id) == self.fields {
            return "biểu mẫu".into();
        }
        if self.signatures.contains(&id) {
            return "từ điển của một chữ ký số có trước".into();
        }
        if self.page_nodes.contains(&id) {
            return "cây trang (số trang, thứ tự trang)".into();
        }
        match self.page_of.get(&id) {
            Some((n, OnPage::Page)) => format!("trang {n}"),
            Some((n, OnPage::Contents)) => format!("trang {n}: nội dung"),
            Some((n, OnPage::Resource)) => format!("trang {n}: tài nguyên (phông chữ, hình ảnh)"),
            Some((n, OnPage::Annots | OnPage::Annotation)) => format!("trang {n}: chú thích"),
            None => format!("đối tượng {} {}", id.0, id.1),
        }
    }
}

fn catalog_rule(
    a: &Document,
    b: &Document,
    old: &Dictionary,
    new: &Dictionary,
    out: &mut Vec<String>,
) {
    for key in changed_keys(old, new) {
        if key == b"AcroForm" {
            let of = |doc: &Document, d: &Dictionary| {
                d.get(b"AcroForm").ok().map(|f| resolve(doc, f).clone())
            };
            let (o, n) = (of(a, old), of(b, new));
            let empty = Dictionary::new();
            let od = o.as_ref().and_then(|o| o.as_dict().ok()).unwrap_or(&empty);
            match n.as_ref().and_then(|n| n.as_dict().ok()) {
                Some(nd) => form_rule(a, b, od, nd, out),
                None => out.push("biểu mẫu bị xóa".into()),
            }
        } else if !CATALOG_FREE.contains(&key.as_slice()) {
            let what = match key.as_slice() {
                b"Pages" => "cây trang (số trang, thứ tự trang) bị thay thế".to_string(),
                b"Metadata" => {
                    let of = |doc: &Document, d: &Dictionary| {
                        d.get(b"Metadata").ok().map(|m| resolve(doc, m).clone())
                    };
                    match (of(a, old), of(b, new)) {
                        (Some(o), Some(n)) => xmp_rule(&o, &n, out),
                        _ => out.push("siêu dữ liệu XMP của tệp thay đổi".into()),
                    }
                    continue;
                }
                b"OpenAction" | b"AA" | b"Names" => {
                    format!(
                        "danh mục tài liệu: thêm hoặc đổi hành động, tệp đính kèm (/{})",
                        name(&key)
                    )
                }
                _ => format!("danh mục tài liệu: /{} thay đổi", name(&key)),
            };
            out.push(what);
        }
    }
}

fn form_rule(
    a: &Document,
    b: &Document,
    old: &Dictionary,
    new: &Dictionary,
    out: &mut Vec<String>,
) {
    for key in changed_keys(old, new) {
        if key == b"Fields" {
            let list = |doc: &Document, d: &Dictionary| -> Vec<Object> {
                d.get(b"Fields")
                    .ok()
                    .map(|f| resolve(doc, f).as_array().cloned().unwrap_or_default())
                    .unwrap_or_default()
            };
            fields_rule(b, &list(a, old), &list(b, new), out);
        } else if !FORM_FREE.contains(&key.as_slice()) {
            out.push(format!("biểu mẫu: /{} thay đổi", name(&key)));
        }
    }
}

fn fields_rule(b: &Document, old: &[Object], new: &[Object], out: &mut Vec<String>) {
    if old.iter().any(|f| !new.contains(f)) {
        out.push("biểu mẫu: bỏ một trường".into());
    }
    for f in new.iter().filter(|f| !old.contains(f)) {
        if !is_signature_field(b, f) {
            out.push("biểu mẫu: thêm trường không phải chữ ký số".into());
        }
    }
}

fn page_rule(
    a: &Document,
    b: &Document,
    n: u32,
    old: &Dictionary,
    new: &Dictionary,
    out: &mut Vec<String>,
) {
    for key in changed_keys(old, new) {
        let what = match key.as_slice() {
            b"Annots" => {
                let list = |doc: &Document, d: &Dictionary| -> Vec<Object> {
                    d.get(b"Annots")
                        .ok()
                        .map(|x| resolve(doc, x).as_array().cloned().unwrap_or_default())
                        .unwrap_or_default()
                };
                annots_rule(b, n, &list(a, old), &list(b, new), out);
                continue;
            }
            b"Contents" => "nội dung thay đổi".to_string(),
            b"Resources" => "tài nguyên (phông chữ, hình ảnh) thay đổi".to_string(),
            b"MediaBox" | b"CropBox" | b"Rotate" | b"UserUnit" => {
                "khổ giấy hoặc hướng trang thay đổi".to_string()
            }
            _ => format!("/{} thay đổi", name(&key)),
        };
        out.push(format!("trang {n}: {what}"));
    }
}

fn annots_rule(b: &Document, n: u32, old: &[Object], new: &[Object], out: &mut Vec<String>) {
    if old.iter().any(|x| !new.contains(x)) {
        out.push(format!("trang {n}: bỏ chú thích"));
    }
    for x in new.iter().filter(|x| !old.contains(x)) {
        let widget = resolve(b, x).as_dict().is_ok_and(|d| {
            d.get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|s| s == b"Widget")
        });
        if !(widget && is_signature_field(b, x)) {
            out.push(format!("trang {n}: thêm chú thích"));
        }
    }
}

/// Whether `field` (or the field its widget belongs to) is a signature field.
fn is_signature_field(doc: &Document, field: &Object) -> bool {
    let mut current = resolve(doc, field);
    for _ in 0..8 {
        let Ok(d) = current.as_dict() else {
            return false;
        };
        match d.get(b"FT").and_then(Object::as_name) {
            Ok(ft) => return ft == b"Sig",
            Err(_) => match d.get(b"Parent") {
                Ok(p) => current = resolve(doc, p),
                Err(_) => return false,
            },
        }
    }
    false
}

/// The keys whose values differ between two dictionaries (references compared as
/// references: what they point at is compared on its own).
pub(super) fn changed_keys(old: &Dictionary, new: &Dictionary) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = old.iter().map(|(k, _)| k.clone()).collect();
    for (k, _) in new.iter() {
        if !keys.contains(k) {
            keys.push(k.clone());
        }
    }
    keys.into_iter()
        .filter(|k| match (old.get(k), new.get(k)) {
            (Ok(x), Ok(y)) => !same(x, y),
            (Err(_), Err(_)) => false,
            _ => true,
        })
        .collect()
}

/// Two objects are the same value (streams by dictionary and bytes).
fn same(x: &Object, y: &Object) -> bool {
    match (x, y) {
        (Object::Stream(a), Object::Stream(b)) => {
            a.content == b.content
                && a.dict.len() == b.dict.len()
                && changed_keys(&a.dict, &b.dict).is_empty()
        }
        (Object::Array(a), Object::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        (Object::Dictionary(a), Object::Dictionary(b)) => {
            a.len() == b.len() && changed_keys(a, b).is_empty()
        }
        // A string is its bytes, whether written literal or in hex.
        (Object::String(a, _), Object::String(b, _)) => a == b,
        _ => x == y,
    }
}

fn dict_of(o: &Object) -> Result<&Dictionary, lopdf::Error> {
    match o {
        Object::Stream(s) => Ok(&s.dict),
        other => other.as_dict(),
    }
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    let mut current = o;
    for _ in 0..8 {
        match current {
            Object::Reference(id) => match doc.objects.get(id) {
                Some(next) => current = next,
                None => return &Object::Null,
            },
            _ => return current,
        }
    }
    &Object::Null
}

/// Every object reachable from `start` (not back up through `/Parent` or an
/// annotation's `/P`).
fn reach(doc: &Document, start: &Object, set: &mut BTreeSet<ObjectId>) {
    let mut stack = vec![start];
    while let Some(o) = stack.pop() {
        match o {
            Object::Reference(id) => {
                if set.insert(*id)
                    && let Some(next) = doc.objects.get(id)
                {
                    stack.push(next);
                }
            }
            Object::Array(items) => stack.extend(items.iter()),
            Object::Dictionary(d) => push_dict(d, &mut stack),
            Object::Stream(s) => push_dict(&s.dict, &mut stack),
            _ => {}
        }
    }
}

fn push_dict<'a>(d: &'a Dictionary, stack: &mut Vec<&'a Object>) {
    for (k, v) in d.iter() {
        if k != b"Parent" && k != b"P" {
            stack.push(v);
        }
    }
}

fn name(key: &[u8]) -> String {
    String::from_utf8_lossy(key).into_owned()
}
