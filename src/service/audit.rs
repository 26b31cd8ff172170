//! The audit log: who did what to which draft, document or user, when, and whether it
//! was allowed. Rows are written in the transaction of the change they describe, with
//! the acting account's agency, so an agency's administrator reads its own log. A page
//! shows each row in words: the person and their agency ("Ngô Văn B (Sở NN&MT)"), the
//! action ("duyệt và đồng ý ký số"), the target by its name ("người ký Dương Thanh
//! Tùng", "văn bản 03/SNN-PTNT"); never a login, a code or an id.

use rusqlite::Connection;
use serde::Serialize;

use super::identity::{Role, User};
use crate::store::Store;

/// Whether the action happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Refused,
}

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    /// UTC, RFC 3339.
    pub at: String,
    pub login: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
    /// Who, in words: the person's name and their agency, `Ngô Văn B (Sở NN&MT)`, or
    /// `hệ thống` for the command line and the schedule.
    pub who: String,
    /// When, in Vietnam time (UTC+7): `23/10/2020 08:15:02`.
    pub at_vn: String,
    /// The action in Vietnamese.
    pub action_label: String,
    /// The target as a clerk names it: `bản nháp #2`, `văn bản #5`, `tài khoản cv`.
    pub target_label: String,
    /// The detail with codes named: a template's title, a role's title.
    pub detail_label: String,
}

/// A target in words: `draft:2` → `bản nháp #2`; with its stored name (`name`, looked
/// up by [`list`]): `document:5` → `văn bản 03/SNN-PTNT`, `user:cv` → `tài khoản của
/// Nguyễn Văn Soạn`, `person:x` → `người ký Dương Thanh Tùng`, `agency:x` → its short
/// name.
pub fn target_label(target: &str, name: Option<&str>) -> String {
    let named = |prefix: &str, fallback: &str| match name {
        Some(n) => format!("{prefix}{n}"),
        None => fallback.to_string(),
    };
    match target.split_once(':') {
        Some(("draft", "preview")) => "xem trước văn bản đang soạn".to_string(),
        Some(("draft", "new")) => "bản nháp mới".to_string(),
        Some(("draft", id)) => format!("bản nháp #{id}"),
        Some(("document", id)) => named("văn bản ", &format!("văn bản #{id}")),
        Some(("user", _)) => named("tài khoản của ", "một tài khoản"),
        Some(("person", _)) => named("người ký ", "một người ký"),
        Some(("agency", _)) => named("", "một cơ quan"),
        Some(("book", _)) => named("sổ văn bản của ", "sổ văn bản"),
        Some(("milestone", id)) => named("mốc ", &format!("mốc thời hạn {id}")),
        Some(("reminder", id)) => format!("nhắc hạn số {id}"),
        Some(("template", id)) => format!("mẫu đã lưu số {id}"),
        Some(("data", _)) => "dữ liệu".to_string(),
        Some(("programme", _)) => named("chương trình ", "một chương trình"),
        Some(("incoming", _)) => "văn bản đến".to_string(),
        _ => match target {
            "users" => "danh sách tài khoản".to_string(),
            "audit" => "nhật ký".to_string(),
            // An unknown kind of target is not shown as code.
            other if other.contains(':') => "một mục khác".to_string(),
            other => other.to_string(),
        },
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
        .map(|code| Role::parse(code).ok().map(|r| r.label()))
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
        "approve-sign" => "duyệt và đồng ý ký số",
        "return" => "trả lại",
        "return-changed" => "trả lại người ký: dữ liệu đã thay đổi sau khi duyệt",
        "issue" => "ban hành",
        "send" => "gửi",
        "read" => "xem",
        "compose" => "soạn thảo",
        "administer" => "quản trị",
        "import" => "nhập dữ liệu",
        "report" => "ghi nhận báo cáo",
        "make-editable" => "chuyển thành văn bản tự soạn",
        "save-template" => "lưu làm mẫu",
        "signature-image" => "tải ảnh chữ ký",
        "seal" => "tải ảnh con dấu",
        "register-note" => "ghi chú sổ văn bản",
        "extend" => "gia hạn dấu thời gian lưu trữ",
        "paper-sent" => "ghi nhận gửi bản giấy",
        "user.add" => "thêm tài khoản",
        "user.update" => "sửa tài khoản",
        "user.disable" => "khóa tài khoản",
        "user.enable" => "mở khóa tài khoản",
        "password.change" => "đổi mật khẩu",
        "password.reset" => "đặt lại mật khẩu",
        "token.revoke" => "thu hồi mã API",
        "second-factor.on" => "bật xác thực hai lớp",
        "second-factor.off" => "tắt xác thực hai lớp",
        "incoming.report" => "văn bản đến ghi nhận báo cáo",
        "incoming.link_report" => "ghi nhận văn bản đến là báo cáo",
        "incoming.unlink_report" => "bỏ ghi nhận báo cáo của văn bản đến",
        "incoming.copy" => "sao y văn bản đến",
        "login" => "đăng nhập",
        "incoming.assign" => "chuyển văn bản đến để xử lý",
        "incoming.confirm" => "xác nhận thông tin văn bản đến",
        "incoming.handled" => "ghi nhận kết quả xử lý văn bản đến",
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
    crate::store::audit::record(
        conn,
        &crate::store::audit::NewEvent {
            user_id: by.map(|u| u.id),
            login: by.map(|u| u.login.as_str()).unwrap_or("(hệ thống)"),
            action,
            target,
            outcome: match outcome {
                Outcome::Ok => "ok",
                Outcome::Refused => "refused",
            },
            detail,
            agency_id: by.and_then(User::agency),
            address: None,
        },
    )?;
    Ok(())
}

/// Records `user`'s sign-in from `address` (the client's, when known).
pub fn record_login(conn: &Connection, user: &User, address: Option<&str>) -> rusqlite::Result<()> {
    let detail = match address {
        Some(a) => format!("từ địa chỉ {a}"),
        None => String::new(),
    };
    crate::store::audit::record(
        conn,
        &crate::store::audit::NewEvent {
            user_id: Some(user.id),
            login: &user.login,
            action: "login",
            target: &format!("user:{}", user.login),
            outcome: "ok",
            detail: &detail,
            agency_id: user.agency(),
            address,
        },
    )
}

/// The events of one agency's accounts (None: every event), newest first; `target`
/// narrows to one draft (`draft:7`) etc. Who may read them is
/// [`super::accounts::audit_log`]'s question.
pub fn of_agency(
    store: &Store,
    target: Option<&str>,
    agency: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<Event>> {
    query(store, target, agency, limit)
}

/// The latest events, newest first; `target` narrows to one draft (`draft:7`) etc.
pub fn list(store: &Store, target: Option<&str>, limit: u32) -> rusqlite::Result<Vec<Event>> {
    query(store, target, None, limit)
}

fn query(
    store: &Store,
    target: Option<&str>,
    agency: Option<&str>,
    limit: u32,
) -> rusqlite::Result<Vec<Event>> {
    Ok(
        crate::store::audit::list(store.conn(), target, agency, limit)?
            .into_iter()
            .map(|r| {
                let who = match (r.user_name, r.agency_name) {
                    (Some(n), Some(a)) => format!("{n} ({a})"),
                    (Some(n), None) => n,
                    (None, _) => "hệ thống".to_string(),
                };
                Event {
                    id: r.id,
                    at_vn: vn_time(&r.at),
                    at: r.at,
                    login: r.login,
                    who,
                    action_label: action_label(&r.action),
                    action: r.action,
                    target_label: target_label(&r.target, r.target_name.as_deref()),
                    target: r.target,
                    outcome: r.outcome,
                    detail_label: detail_label(&r.detail),
                    detail: r.detail,
                }
            })
            .collect(),
    )
}
