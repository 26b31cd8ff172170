//! What the service (`vanthu serve`) adds to the pipeline, as a library the HTTP layer
//! only calls: [`accounts`] (users, roles, sessions, API tokens), [`forms`] (the
//! templates' declared fields), [`drafts`] (the approval workflow), [`compose`] (the
//! free composer: any kind of document written field by field), [`preview`] (a draft's
//! pages as images), [`upload`] and [`docx_reader`] (a letter file or a Word draft
//! read into the composer), [`saved`] (templates drafters keep), [`issuing`] (issues
//! waiting on a remote signer), [`audit`] (who did what) and the [`dashboard`].

pub mod access;
pub mod accounts;
pub mod audit;
pub mod books;
pub mod compose;
pub mod documents;
pub mod docx_reader;
pub mod drafts;
pub mod forms;
pub mod images;
pub mod issuing;
pub mod preview;
pub mod saved;
pub mod signatures;
pub mod upload;

use chrono::NaiveDate;
use rusqlite::params;
use serde::Serialize;

use crate::store::Store;

/// Now, UTC, RFC 3339 to the second: the service's `created_at`/`updated_at`.
fn now_text() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A milestone on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deadline {
    pub id: String,
    pub programme: String,
    pub what: String,
    /// dd/mm/yyyy
    pub due: String,
    pub days_left: i64,
    pub reported: i64,
    pub agencies: i64,
}

/// A certificate on the dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExpiringCertificate {
    pub product: String,
    pub producer: String,
    pub stars: i64,
    /// dd/mm/yyyy
    pub expires: String,
    pub days_left: i64,
}

/// A delivery that failed or is being retried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailingDelivery {
    pub document_id: i64,
    pub number_symbol: String,
    pub recipient: String,
    pub email: String,
    pub status: String,
    pub attempts: i64,
    pub last_reply: String,
}

/// What needs attention on `date`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// Due within 30 days, agencies still to report.
    pub upcoming: Vec<Deadline>,
    /// Past due, agencies still to report.
    pub overdue: Vec<Deadline>,
    /// Expiring within 6 months (or expired within the last month).
    pub expiring: Vec<ExpiringCertificate>,
    pub failing: Vec<FailingDelivery>,
    /// Drafts waiting, by state code.
    pub drafts_submitted: i64,
    pub drafts_approved: i64,
}

/// The dashboard of `user` as of `date`: the milestones, certificates, deliveries and
/// drafts of its agency's circle ([`access::circle`]).
pub fn dashboard(
    store: &Store,
    user: &accounts::User,
    date: NaiveDate,
) -> Result<Dashboard, crate::remind::RemindError> {
    let conn = store.conn();
    let day = date.to_string();
    let followed = access::milestones(store, user)?;
    let circle = access::circle(store, user)?.map(|c| serde_json::to_string(&c).expect("strings"));
    let listed = access::listed(user).map(|c| serde_json::to_string(&c).expect("strings"));
    // The milestones as `vanthu milestones list` counts them, those due within 30 days
    // with agencies still to report.
    let (mut upcoming, mut overdue) = (vec![], vec![]);
    for m in crate::remind::milestones(store, None, date)? {
        if followed.as_ref().is_some_and(|f| !f.contains(&m.id)) {
            continue;
        }
        let days_left = (m.due - date).num_days();
        if days_left > 30 || m.reported >= m.agencies {
            continue;
        }
        let d = Deadline {
            id: m.id,
            programme: m.programme,
            what: m.what,
            due: m.due.format("%d/%m/%Y").to_string(),
            days_left,
            agencies: m.agencies,
            reported: m.reported,
        };
        if days_left < 0 {
            overdue.push(d);
        } else {
            upcoming.push(d);
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT p.name, pr.name, c.stars, c.expires_on FROM certificates c
         JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.expires_on BETWEEN date(?1, '-1 months') AND date(?1, '+6 months')
           AND (?2 IS NULL OR c.issuer_id IN (SELECT value FROM json_each(?2)))
         ORDER BY c.expires_on, p.name LIMIT 200",
    )?;
    let expiring = stmt
        .query_map(params![&day, circle], |r| {
            let expires: String = r.get(3)?;
            let expires = NaiveDate::parse_from_str(&expires, "%Y-%m-%d").unwrap_or(date);
            Ok(ExpiringCertificate {
                product: r.get(0)?,
                producer: r.get(1)?,
                stars: r.get(2)?,
                expires: expires.format("%d/%m/%Y").to_string(),
                days_left: (expires - date).num_days(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT d.document_id, doc.number_symbol, d.recipient, d.email, d.status, d.attempts,
                coalesce(d.last_reply, '')
         FROM deliveries d JOIN documents doc ON doc.id = d.document_id
         WHERE (d.status = 'failed' OR (d.status = 'queued' AND d.attempts > 0))
           AND (?1 IS NULL OR doc.issuer IN (SELECT value FROM json_each(?1)))
         ORDER BY d.id DESC LIMIT 200",
    )?;
    let failing = stmt
        .query_map([&listed], |r| {
            Ok(FailingDelivery {
                document_id: r.get(0)?,
                number_symbol: r.get(1)?,
                recipient: r.get(2)?,
                email: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                status: r.get(4)?,
                attempts: r.get(5)?,
                last_reply: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let count = |state: &str| -> rusqlite::Result<i64> {
        conn.query_row(
            "SELECT count(*) FROM drafts WHERE state = ?1
               AND (?2 IS NULL OR issuer_id IN (SELECT value FROM json_each(?2)))",
            params![state, listed],
            |r| r.get(0),
        )
    };
    Ok(Dashboard {
        upcoming,
        overdue,
        expiring,
        failing,
        drafts_submitted: count("submitted")?,
        drafts_approved: count("approved")?,
    })
}

/// One agency responsible for a milestone, and when it reported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responsible {
    pub agency: String,
    pub name: String,
    /// dd/mm/yyyy, None while it has not reported.
    pub reported_on: Option<String>,
}

/// A milestone with its agencies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MilestoneDetail {
    pub id: String,
    pub programme: String,
    /// The programme's name.
    pub programme_name: String,
    pub what: String,
    /// dd/mm/yyyy
    pub due: String,
    pub agencies: Vec<Responsible>,
}

/// One milestone and its agencies, if `user` follows it (None: no such milestone).
pub fn milestone(
    store: &Store,
    user: &accounts::User,
    id: &str,
) -> Result<Option<MilestoneDetail>, drafts::DraftError> {
    use rusqlite::OptionalExtension;
    if access::milestones(store, user)?.is_some_and(|f| !f.contains(id)) {
        let exists: bool = store.conn().query_row(
            "SELECT count(*) > 0 FROM milestones WHERE id = ?1",
            [id],
            |r| r.get(0),
        )?;
        if exists {
            access::read(
                store,
                user,
                None,
                &[],
                "mốc thời hạn",
                &format!("milestone:{id}"),
            )?;
        }
        return Ok(None);
    }
    let conn = store.conn();
    let Some((programme, programme_name, what, due)) = conn
        .query_row(
            "SELECT m.programme_id, coalesce(p.name, m.programme_id), m.what, strftime('%d/%m/%Y', m.due_date)
             FROM milestones m LEFT JOIN programmes p ON p.id = m.programme_id WHERE m.id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.short_name, strftime('%d/%m/%Y', m.reported_on)
         FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 ORDER BY m.rowid",
    )?;
    let agencies = stmt
        .query_map([id], |r| {
            Ok(Responsible {
                agency: r.get(0)?,
                name: r.get(1)?,
                reported_on: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(MilestoneDetail {
        id: id.to_string(),
        programme,
        programme_name,
        what,
        due,
        agencies,
    }))
}

/// Imports programme data from an uploaded text, all or nothing, with its audit row.
/// The data every agency shares (agencies, people, programmes) is the service's
/// administrator's to change. The outer error is a refusal; the inner one the file's
/// problems.
pub fn import(
    store: &mut Store,
    user: &accounts::User,
    name: &str,
    text: &str,
    mode: crate::data::Mode,
) -> Result<Result<crate::data::ImportReport, crate::data::ImportError>, drafts::DraftError> {
    access::shared_data(store, user, "data:import")?;
    match crate::data::import_text(store, std::path::Path::new(name), text, mode) {
        Ok(report) => {
            audit::record(
                store.conn(),
                Some(user),
                "import",
                &format!("data:{name}"),
                audit::Outcome::Ok,
                &report.to_string().replace('\n', "; "),
            )?;
            Ok(Ok(report))
        }
        Err(e) => Ok(Err(e)),
    }
}

/// Records that `agency` reported on `milestone` on `date` (drafters and clerks), with
/// its audit row; the reminders stop reaching it.
pub fn record_report(
    store: &Store,
    user: &accounts::User,
    milestone: &str,
    agency: &str,
    date: NaiveDate,
) -> Result<crate::remind::Reported, drafts::DraftError> {
    let target = format!("milestone:{milestone}");
    access::records_reports(store, user, milestone)?;
    let reported = crate::remind::report(store, milestone, agency, date)?;
    if reported == crate::remind::Reported::Recorded {
        audit::record(
            store.conn(),
            Some(user),
            "report",
            &target,
            audit::Outcome::Ok,
            &format!(
                "{} ngày {}",
                access::agency_name(store, agency),
                date.format("%d/%m/%Y")
            ),
        )?;
    }
    Ok(reported)
}

/// One table of programme data, as the data page lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataTable {
    pub id: &'static str,
    pub title: &'static str,
    pub total: i64,
    /// Column titles; a column whose title starts with "Mã" holds codes (shown as such).
    pub columns: Vec<&'static str>,
    /// The first rows (at most `limit`).
    pub rows: Vec<Vec<String>>,
}

/// The programme data held, table by table (the first `limit` rows of each).
pub fn data_tables(
    store: &Store,
    user: &accounts::User,
    limit: u32,
) -> Result<Vec<DataTable>, drafts::DraftError> {
    access::linked(store, user, "data")?;
    Ok(tables(store, limit)?)
}

fn tables(store: &Store, limit: u32) -> rusqlite::Result<Vec<DataTable>> {
    const TABLES: &[(&str, &str, &[&str], &str)] = &[
        (
            "agencies",
            "Cơ quan",
            &["Tên ngắn", "Cấp", "Thư điện tử", "Mã"],
            "SELECT short_name, CASE level WHEN 'national' THEN 'trung ương' WHEN 'province' THEN 'tỉnh'
                WHEN 'district' THEN 'huyện' WHEN 'commune' THEN 'xã' WHEN 'department' THEN 'sở, ngành'
                WHEN 'office' THEN 'phòng, ban' ELSE 'khác' END, coalesce(email, ''), id FROM agencies ORDER BY id",
        ),
        (
            "people",
            "Người ký",
            &["Họ tên", "Chức danh", "Cơ quan", "Mã"],
            "SELECT p.name, p.title, coalesce(a.short_name, p.agency_id), p.id
             FROM people p LEFT JOIN agencies a ON a.id = p.agency_id ORDER BY p.agency_id, p.rowid",
        ),
        (
            "groups",
            "Nhóm nơi nhận",
            &["Tên", "Số thành viên", "Mã"],
            "SELECT g.name, count(m.agency_id), g.id FROM recipient_groups g LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY g.id",
        ),
        (
            "programmes",
            "Chương trình",
            &["Năm", "Tên", "Cơ quan chủ trì", "Mã"],
            "SELECT p.year, p.name, coalesce(a.short_name, p.issuer_id), p.id
             FROM programmes p LEFT JOIN agencies a ON a.id = p.issuer_id ORDER BY p.year DESC, p.id",
        ),
        (
            "products",
            "Sản phẩm",
            &["Tên", "Chủ thể", "Nhóm", "Mã"],
            "SELECT p.name, pr.name, p.product_group, p.id FROM products p JOIN producers pr ON pr.id = p.producer_id ORDER BY p.id",
        ),
        (
            "evaluations",
            "Kết quả đánh giá",
            &["Sản phẩm", "Ngày", "Điểm", "Hội đồng", "Mã đợt"],
            "SELECT coalesce(p.name, e.product_id), strftime('%d/%m/%Y', e.date), e.score,
                    CASE e.council_level WHEN 'commune' THEN 'xã' WHEN 'district' THEN 'huyện'
                    WHEN 'province' THEN 'tỉnh' ELSE 'trung ương' END, e.round
             FROM evaluations e LEFT JOIN products p ON p.id = e.product_id ORDER BY e.date DESC, e.id",
        ),
        (
            "milestones",
            "Mốc thời hạn",
            &["Nội dung", "Hạn", "Chương trình", "Mã"],
            "SELECT m.what, strftime('%d/%m/%Y', m.due_date), coalesce(p.name, m.programme_id), m.id
             FROM milestones m LEFT JOIN programmes p ON p.id = m.programme_id ORDER BY m.due_date DESC, m.id",
        ),
        (
            "reminder_policies",
            "Chính sách nhắc hạn",
            &["Mã phạm vi", "Trước hạn (ngày)", "Đúng hạn", "Quá hạn, nhắc mỗi (ngày)", "Tính ngày làm việc", "Tự động", "Cơ quan viết"],
            "SELECT CASE scope WHEN '' THEN '(mặc định)' ELSE scope END, before_days,
                    CASE on_due WHEN 1 THEN 'có' ELSE 'không' END, coalesce(overdue_every, '—'),
                    CASE working_days WHEN 1 THEN 'có' ELSE 'không' END,
                    CASE auto WHEN 'draft' THEN 'soạn nháp' WHEN 'issue' THEN 'ban hành' ELSE 'ban hành và gửi' END,
                    coalesce((SELECT short_name FROM agencies WHERE id = issuer_id), issuer_id, '(cơ quan chủ trì)')
             FROM reminder_policies ORDER BY scope",
        ),
    ];
    let conn = store.conn();
    let mut out = vec![];
    for (id, title, columns, sql) in TABLES {
        let total: i64 =
            conn.query_row(&format!("SELECT count(*) FROM ({sql})"), [], |r| r.get(0))?;
        let mut stmt = conn.prepare(&format!("{sql} LIMIT ?1"))?;
        let n = columns.len();
        let rows = stmt
            .query_map([limit], |r| {
                (0..n)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => String::new(),
                            rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                            rusqlite::types::ValueRef::Real(v) => v.to_string(),
                            rusqlite::types::ValueRef::Text(t) => {
                                String::from_utf8_lossy(t).into_owned()
                            }
                            rusqlite::types::ValueRef::Blob(_) => String::new(),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<String>>>()
            })?
            .collect::<Result<_, _>>()?;
        out.push(DataTable {
            id,
            title,
            total,
            columns: columns.to_vec(),
            rows,
        });
    }
    Ok(out)
}
