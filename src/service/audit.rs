//! The audit log: who did what to which draft, document or user, when, and whether it
//! was allowed. Rows are written in the transaction of the change they describe.

use rusqlite::{Connection, params};
use serde::Serialize;

use super::accounts::User;
use crate::store::Store;

/// Whether the action happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Refused,
}

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub login: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    /// When, in Vietnam time (UTC+7): `23/10/2020 08:15:02`.
    pub at_vn: String,
    /// The action in Vietnamese.
    pub action_label: String,
    /// The target as a clerk names it: `bản nháp #2`, `văn bản #5`, `tài khoản cv`.
    pub target_label: String,
    /// The detail with codes named: a template's title, a role's title.
    pub detail_label: String,
}

/// `draft:2` → `bản nháp #2`, `document:5` → `văn bản #5`, `user:cv` → `tài khoản cv`.
pub fn target_label(target: &str) -> String {
    match target.split_once(':') {
        Some(("draft", id)) => format!("bản nháp #{id}"),
        Some(("document", id)) => format!("văn bản #{id}"),
        Some(("user", login)) => format!("tài khoản {login}"),
        Some(("milestone", id)) => format!("mốc thời hạn {id}"),
        _ => target.to_string(),
    }
}

/// A detail that is a code, named: a template id becomes its form's title, a role code
/// (or `role/role`) its Vietnamese title; anything else as written.
pub fn detail_label(detail: &str) -> String {
    if let Some(form) = super::forms::form(detail) {
        return form.title.clone();
    }
    let roles: Option<Vec<&str>> = detail
        .split('/')
        .map(|code| super::accounts::Role::parse(code).ok().map(|r| r.label()))
        .collect();
    match roles {
        Some(labels) if !detail.is_empty() => labels.join(", "),
        _ => detail.to_string(),
    }
}

/// An action code in Vietnamese (unknown codes as they are).
pub fn action_label(action: &str) -> String {
    match action {
        "create" => "tạo bản nháp",
        "update" => "sửa bản nháp",
        "submit" => "trình duyệt",
        "approve" => "duyệt",
        "return" => "trả lại",
        "issue" => "ban hành",
        "send" => "gửi",
        "compose" => "soạn thảo",
        "administer" => "quản trị",
        "import" => "nhập dữ liệu",
        "report" => "ghi nhận báo cáo",
        "user.add" => "thêm người dùng",
        other => other,
    }
    .to_string()
}

fn vn_time(at: &str) -> String {
    let vn = crate::vietnam_offset();
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| t.with_timezone(&vn).format("%d/%m/%Y %H:%M:%S").to_string())
        .unwrap_or_else(|_| at.to_string())
}

/// Records one event (`by` None: the command line or the system).
pub fn record(
    conn: &Connection,
    by: Option<&User>,
    action: &str,
    target: &str,
    outcome: Outcome,
    detail: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO audit_log (at, user_id, login, action, target, outcome, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            by.map(|u| u.id),
            by.map(|u| u.login.as_str()).unwrap_or("(hệ thống)"),
            action,
            target,
            match outcome {
                Outcome::Ok => "ok",
                Outcome::Refused => "refused",
            },
            detail
        ],
    )?;
    Ok(())
}

/// The latest events, newest first; `target` narrows to one draft (`draft:7`) etc.
pub fn list(store: &Store, target: Option<&str>, limit: u32) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = store.conn().prepare(
        "SELECT id, at, login, action, target, outcome, detail FROM audit_log
         WHERE ?1 IS NULL OR target = ?1 ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![target, limit], |r| {
        let at: String = r.get(1)?;
        let action: String = r.get(3)?;
        Ok(Event {
            id: r.get(0)?,
            at_vn: vn_time(&at),
            at,
            login: r.get(2)?,
            action_label: action_label(&action),
            action,
            target_label: target_label(&r.get::<_, String>(4)?),
            target: r.get(4)?,
            outcome: r.get(5)?,
            detail_label: detail_label(&r.get::<_, String>(6)?),
            detail: r.get(6)?,
        })
    })?;
    rows.collect()
}
