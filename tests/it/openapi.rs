//! The OpenAPI document the service serves is generated from the handlers (utoipa):
//! these tests hold it to what the running service does. Every path and method it
//! lists answers (and no other method does), every `$ref` resolves, and the JSON the
//! service really answers in a workflow (successes and errors) fits the schema the
//! document gives for that operation and status, with no key the schema does not name.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common;
use crate::common::server::{Server, password};

fn spec(s: &Server) -> Value {
    let (status, spec) = s.api(None, "GET", "/openapi.json", None);
    assert_eq!(status, 200);
    spec
}

/// The schema `$ref` points at (`#/components/...`).
fn resolve<'a>(spec: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference
        .strip_prefix('#')
        .unwrap_or_else(|| panic!("{reference} is not local"));
    spec.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} does not resolve"))
}

fn type_fits(ty: &str, v: &Value) -> bool {
    match ty {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        "string" => v.is_string(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown type {other}"),
    }
}

/// The keys an object schema names (through `$ref` and `allOf`), or None when it takes
/// any key (a map, or a schema that says nothing about properties).
fn named_keys(spec: &Value, schema: &Value) -> Option<BTreeSet<String>> {
    if let Some(r) = schema["$ref"].as_str() {
        return named_keys(spec, resolve(spec, r));
    }
    if let Some(all) = schema["allOf"].as_array() {
        let mut keys = BTreeSet::new();
        for s in all {
            keys.extend(named_keys(spec, s)?);
        }
        return Some(keys);
    }
    if schema
        .get("additionalProperties")
        .is_some_and(|a| a != false)
    {
        return None;
    }
    let props = schema["properties"].as_object()?;
    Some(props.keys().cloned().collect())
}

/// Whether `v` fits `schema`: types, required keys, each property, array items, enums,
/// `oneOf`/`anyOf` (one alternative fits) and `allOf`; objects carry no key the schema
/// does not name. The error says where.
fn fits(spec: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        return fits(spec, resolve(spec, r), v, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            fits_loosely(spec, s, v, at)?;
        }
        return extra_keys(spec, schema, v, at);
    }
    for alternatives in ["oneOf", "anyOf"] {
        if let Some(alts) = schema[alternatives].as_array() {
            let errors: Vec<String> = alts
                .iter()
                .filter_map(|s| fits(spec, s, v, at).err())
                .collect();
            if errors.len() == alts.len() {
                return Err(format!("{at}: fits no alternative: {errors:?}"));
            }
        }
    }
    match &schema["type"] {
        Value::String(t) if !type_fits(t, v) => return Err(format!("{at}: {v} is not {t}")),
        Value::Array(ts) if !ts.iter().any(|t| type_fits(t.as_str().unwrap(), v)) => {
            return Err(format!("{at}: {v} is none of {ts:?}"));
        }
        _ => {}
    }
    if let Some(values) = schema["enum"].as_array()
        && !values.contains(v)
    {
        return Err(format!("{at}: {v} is not one of {values:?}"));
    }
    if let (Some(items), Some(list)) = (schema.get("items"), v.as_array()) {
        for (i, item) in list.iter().enumerate() {
            fits(spec, items, item, &format!("{at}[{i}]"))?;
        }
    }
    fits_object(spec, schema, v, at)?;
    extra_keys(spec, schema, v, at)
}

/// As [`fits`], without the check for unnamed keys (a member of an `allOf`).
fn fits_loosely(spec: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema["$ref"].as_str() {
        return fits_loosely(spec, resolve(spec, r), v, at);
    }
    fits_object(spec, schema, v, at)
}

fn fits_object(spec: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let Some(object) = v.as_object() else {
        return Ok(());
    };
    for key in schema["required"].as_array().into_iter().flatten() {
        let key = key.as_str().unwrap();
        if !object.contains_key(key) {
            return Err(format!("{at}: the required key {key} is missing"));
        }
    }
    if let Some(props) = schema["properties"].as_object() {
        for (key, value) in object {
            if let Some(s) = props.get(key) {
                fits(spec, s, value, &format!("{at}.{key}"))?;
            }
        }
    }
    if let Some(values) = schema.get("additionalProperties").filter(|a| a.is_object()) {
        for (key, value) in object {
            fits(spec, values, value, &format!("{at}.{key}"))?;
        }
    }
    Ok(())
}

fn extra_keys(spec: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    let (Some(object), Some(named)) = (v.as_object(), named_keys(spec, schema)) else {
        return Ok(());
    };
    if !schema["type"].is_null() || schema["allOf"].is_array() || schema["$ref"].is_string() {
        let extra: Vec<&String> = object.keys().filter(|k| !named.contains(*k)).collect();
        if !extra.is_empty() {
            return Err(format!("{at}: keys the schema does not name: {extra:?}"));
        }
    }
    Ok(())
}

/// Checks an answer against the document: the status is one it lists for `method`
/// `template`, and the JSON body fits that response's schema.
fn check(spec: &Value, method: &str, template: &str, status: u16, body: &Value) {
    let op = &spec["paths"][template][method.to_lowercase()];
    assert!(op.is_object(), "{method} {template} is not in the document");
    let mut response = &op["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{method} {template} answered {status}, which the document does not list: {body}"
    );
    if let Some(r) = response["$ref"].as_str() {
        response = resolve(spec, r);
    }
    let schema = &response["content"]["application/json"]["schema"];
    if schema.is_null() {
        assert!(
            body.is_null(),
            "{method} {template} {status} answered JSON the document does not describe: {body}"
        );
        return;
    }
    if let Err(e) = fits(spec, schema, body, "body") {
        panic!("{method} {template} {status}: {e}\n{body:#}");
    }
}

#[test]
fn the_document_is_whole_and_unique() {
    let s = Server::start();
    let spec = spec(&s);
    assert_eq!(spec["openapi"], "3.1.0");
    // Every reference anywhere resolves.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(Value::as_str) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = vec![];
    refs(&spec, &mut all);
    assert!(all.len() > 50, "{}", all.len());
    for r in all {
        resolve(&spec, r);
    }
    let mut ids = BTreeSet::new();
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let id = op["operationId"].as_str().unwrap();
            assert!(ids.insert(id), "operationId {id} twice");
            assert!(op["summary"].is_string(), "{method} {path} has no summary");
            assert!(op["tags"][0].is_string(), "{method} {path} has no tag");
            // Each `{name}` of the path is a declared path parameter.
            for name in path
                .split('{')
                .skip(1)
                .map(|p| p.split('}').next().unwrap())
            {
                let declared = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == name && p["in"] == "path"));
                assert!(declared, "{method} {path} does not declare {{{name}}}");
            }
            // A body the handler reads is described; POST and PUT without one say
            // nothing either way, checked by the workflow below.
            if let Some(content) = op["requestBody"]["content"].as_object() {
                assert!(!content.is_empty(), "{method} {path}: empty requestBody");
            }
        }
    }
    assert!(operations >= 62, "{operations}");
    // The checker itself refuses what does not fit: a missing key, a wrong type, a key
    // no schema names, a value outside an enum.
    let draft = json!({"$ref": "#/components/schemas/DraftView"});
    let good = json!({"id": 1, "template": "reminder", "fields": {}, "subject": "s",
        "state": "draft", "author": "cv", "author_name": "A", "created_at": "t",
        "updated_at": "t", "content_hash": "h"});
    fits(&spec, &draft, &good, "body").unwrap();
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("subject");
    let mut wrong = good.clone();
    wrong["id"] = json!("1");
    let mut extra = good.clone();
    extra["secret"] = json!("x");
    let mut state = good.clone();
    state["state"] = json!("lost");
    for bad in [missing, wrong, extra, state] {
        assert!(fits(&spec, &draft, &bad, "body").is_err(), "{bad}");
    }
}

/// The router is built only from annotated handlers (`routes!`), so a route cannot be
/// left out of the document; this holds the source to it and then asks the running
/// service: each listed method is routed, every other method of the path is not.
#[test]
fn every_route_and_method_is_in_the_document() {
    let source = std::fs::read_to_string(common::root().join("src/http/api/mod.rs")).unwrap();
    assert!(
        !source.contains(".route("),
        "src/http/api/mod.rs registers a route outside routes!(…): it would be missing from the OpenAPI document"
    );
    let s = Server::start();
    let spec = spec(&s);
    let mut probed = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let listed: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
        let concrete = path
            .replace("{id}", "1")
            .replace("{login}", "cv")
            .replace("{name}", "x");
        let url = s.url(&format!("/api/v1{concrete}"));
        for method in ["get", "post", "put", "delete", "patch"] {
            let request = || {
                ureq::http::Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(&url)
                    .body(())
                    .unwrap()
            };
            // A kept-alive connection the service closed is the client's affair: once
            // more on a new one, and a second failure is the service's.
            let mut resp = match s.agent.run(request()) {
                Ok(resp) => resp,
                Err(e) => {
                    eprintln!("{method} {path}: {e}; once more on a new connection");
                    ureq::Agent::new_with_config(
                        ureq::Agent::config_builder()
                            .http_status_as_error(false)
                            .build(),
                    )
                    .run(request())
                    .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
                }
            };
            let status = resp.status().as_u16();
            let body = resp.body_mut().read_to_string().unwrap_or_default();
            if listed.iter().any(|m| m == method) {
                // Routed: the caller is asked who they are (or the public answer).
                assert!(
                    status != 405 && !body.contains("không có đường dẫn API này"),
                    "{method} {path} is in the document but not routed: {status} {body}"
                );
                probed += 1;
            } else {
                assert_eq!(
                    status, 405,
                    "{method} {path} is routed ({status}) but not in the document"
                );
            }
        }
    }
    assert!(probed >= 62, "{probed}");
}

/// A clerk's and a leader's day through the API: each answer, success or error, fits
/// the document's schema for its operation and status.
#[test]
fn real_answers_fit_the_documented_schemas() {
    let s = Server::start_signing();
    let spec = spec(&s);
    let call =
        |login: Option<&str>, method: &str, template: &str, path: &str, body: Option<Value>| {
            let (status, v) = s.api(login, method, path, body);
            check(&spec, method, template, status, &v);
            (status, v)
        };
    // The caller, the catalogue, lists.
    call(Some("cv"), "GET", "/me", "/me", None);
    call(None, "GET", "/me", "/me", None);
    call(Some("cv"), "GET", "/templates", "/templates", None);
    call(Some("cv"), "GET", "/drafts", "/drafts", None);
    call(Some("cv"), "GET", "/drafts", "/drafts?state=nonsense", None);
    call(
        Some("cv"),
        "GET",
        "/dashboard",
        "/dashboard?date=2020-10-20",
        None,
    );
    call(Some("cv"), "GET", "/reminders", "/reminders", None);
    call(
        Some("cv"),
        "GET",
        "/saved-templates",
        "/saved-templates",
        None,
    );
    call(Some("cv"), "GET", "/tokens", "/tokens", None);
    call(
        Some("cv"),
        "POST",
        "/tokens",
        "/tokens",
        Some(json!({"label": "máy in"})),
    );
    call(Some("qt"), "GET", "/users", "/users", None);
    call(Some("qt"), "GET", "/audit", "/audit?limit=5", None);
    call(Some("qt"), "GET", "/data", "/data?limit=2", None);
    call(Some("cv"), "GET", "/users", "/users", None);
    let milestone = "/milestones/{id}";
    call(
        Some("cv"),
        "GET",
        milestone,
        "/milestones/bg-2020-chuyen-ho-so",
        None,
    );
    call(Some("cv"), "GET", milestone, "/milestones/khong-co", None);
    // A draft: composed, previewed, shown, with errors on the way.
    let fields = json!({"milestone": "bg-2020-chuyen-ho-so", "date": "23/10/2020", "issuer": "snn-bac-giang"});
    let (status, preview) = call(
        Some("cv"),
        "POST",
        "/drafts/preview",
        "/drafts/preview",
        Some(json!({"template": "reminder", "fields": fields})),
    );
    assert_eq!(status, 200, "{preview}");
    call(
        Some("cv"),
        "POST",
        "/drafts",
        "/drafts",
        Some(json!({"template": "reminder"})),
    );
    call(
        Some("cv"),
        "POST",
        "/drafts",
        "/drafts",
        Some(json!({"templat": "x"})),
    );
    let (status, draft) = call(
        Some("cv"),
        "POST",
        "/drafts",
        "/drafts",
        Some(json!({"template": "reminder", "fields": fields})),
    );
    assert_eq!(status, 201, "{draft}");
    let id = draft["id"].as_i64().unwrap();
    let one = "/drafts/{id}";
    call(Some("cv"), "GET", one, &format!("/drafts/{id}"), None);
    call(Some("cv"), "GET", one, "/drafts/999999", None);
    call(
        Some("cv"),
        "PUT",
        one,
        &format!("/drafts/{id}"),
        Some(json!({"fields": fields})),
    );
    call(
        Some("cv"),
        "GET",
        "/drafts/{id}/history",
        &format!("/drafts/{id}/history"),
        None,
    );
    call(
        Some("cv"),
        "GET",
        "/drafts/{id}/pages",
        &format!("/drafts/{id}/pages"),
        None,
    );
    call(
        Some("cv"),
        "POST",
        "/drafts/{id}/submit",
        &format!("/drafts/{id}/submit"),
        None,
    );
    call(
        Some("cv"),
        "POST",
        "/drafts/{id}/submit",
        &format!("/drafts/{id}/submit"),
        None,
    );
    let (status, returned) = call(
        Some("ld"),
        "POST",
        "/drafts/{id}/return",
        &format!("/drafts/{id}/return"),
        Some(json!({"comment": "Sửa lại hạn."})),
    );
    assert_eq!(status, 200, "{returned}");
    // Issued and sent; the register's entry, its deliveries, its book columns.
    let id = s.consented_draft();
    let (status, entry) = call(
        Some("vt"),
        "POST",
        "/drafts/{id}/issue",
        &format!("/drafts/{id}/issue"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 200, "{entry}");
    call(
        Some("cv"),
        "GET",
        "/drafts/{id}/issue",
        &format!("/drafts/{id}/issue"),
        None,
    );
    let (status, sent) = call(
        Some("vt"),
        "POST",
        "/drafts/{id}/send",
        &format!("/drafts/{id}/send"),
        Some(json!({"confirm": true})),
    );
    assert_eq!(status, 202, "{sent}");
    let doc = entry["id"].as_i64().unwrap();
    for (template, path) in [
        ("/documents/{id}", format!("/documents/{doc}")),
        (
            "/documents/{id}/deliveries",
            format!("/documents/{doc}/deliveries"),
        ),
        ("/documents/{id}/note", format!("/documents/{doc}/note")),
        ("/documents/{id}/paper", format!("/documents/{doc}/paper")),
        ("/documents", "/documents?year=2020".to_string()),
        ("/documents", "/documents?year=abc".to_string()),
    ] {
        call(Some("cv"), "GET", template, &path, None);
    }
    call(
        Some("cv"),
        "PUT",
        "/documents/{id}/note",
        &format!("/documents/{doc}/note"),
        Some(json!({"copies": "3", "note": "Lưu hồ sơ"})),
    );
    call(
        Some("cv"),
        "PUT",
        "/documents/{id}/note",
        &format!("/documents/{doc}/note"),
        Some(json!({"copies": "0"})),
    );
    // The signatures of the issued PDF, as anyone may ask.
    let pdf = s.get_bytes("cv", &format!("/documents/{doc}/pdf"));
    let (status, report) = s.send_bytes("cv", "POST", "/verify", "application/pdf", &pdf);
    check(&spec, "POST", "/verify", status, &report);
    let (status, v) = s.send_bytes(
        "qt",
        "PUT",
        "/people/duong-thanh-tung/signature-image",
        "image/png",
        b"not a png",
    );
    check(&spec, "PUT", "/people/{id}/signature-image", status, &v);
    // Signing in with a password, and a wrong one.
    for (password, expected) in [(password("cv"), 200), ("sai".to_string(), 401)] {
        let mut resp = s
            .agent
            .post(&s.url("/api/v1/session"))
            .header("Content-Type", "application/json")
            .send(json!({"login": "cv", "password": password}).to_string())
            .unwrap();
        let status = resp.status().as_u16();
        assert_eq!(status, expected);
        let v: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        check(&spec, "POST", "/session", status, &v);
    }
}
