//! The OCOP documents, composed from programme data and the template letters in
//! `templates/ocop/`. A template owns the wording; this module chooses the data
//! (who is late, which deadline) and fills the letter's ids and `[data]`.

pub mod rules;
pub mod tiers;

use std::path::Path;

use chrono::NaiveDate;
use rusqlite::OptionalExtension;
use serde_json::json;

use crate::letter::{self, LetterError};
use crate::model::{DocDate, Document};
use crate::store::Store;

/// The templates a user composes from a form (`[form]` in each), by id.
pub const FORM_TEMPLATES: &[(&str, &str)] = &[
    ("reminder", REMINDER),
    ("plan", PLAN),
    ("decision", DECISION),
    ("transfer", TRANSFER),
    ("expiry-notice", EXPIRY_NOTICE),
    ("withdrawal", WITHDRAWAL),
];

/// The reminder dispatch template (công văn đôn đốc).
const REMINDER: &str = include_str!("../../templates/ocop/reminder.toml");

/// Why an OCOP document could not be composed.
#[derive(Debug, thiserror::Error)]
pub enum OcopError {
    #[error("không có mốc thời hạn mã \"{0}\"")]
    UnknownMilestone(String),
    #[error("không có chương trình mã \"{0}\"")]
    UnknownProgramme(String),
    #[error("không có cơ quan mã \"{0}\"")]
    UnknownAgency(String),
    #[error("tất cả các đơn vị đã báo cáo mốc \"{0}\" trước ngày {1}: không cần đôn đốc")]
    NothingToRemind(String, String),
    #[error(
        "cơ quan \"{0}\" chưa có người ký trong cơ sở dữ liệu; thêm một mục [[people]] cho cơ quan này, hoặc chọn người ký (--signer khi dùng dòng lệnh)"
    )]
    NoSigner(String),
    #[error(
        "cấp \"{1}\" của cơ quan \"{0}\" không công nhận sản phẩm OCOP vào ngày {2} theo chính sách phân cấp đang có hiệu lực (Quyết định 148/QĐ-TTg trước ngày 06/7/2025: huyện 3 sao, tỉnh 4 sao; Quyết định 1489/QĐ-TTg từ ngày 06/7/2025: tỉnh 3–4 sao, không còn cấp huyện; hoặc chính sách riêng của tỉnh trong [[tiers]])"
    )]
    NoTier(String, String, String),
    #[error(
        "cơ quan \"{0}\" chưa có lời văn quyết định có hiệu lực ngày {1} (theo đề nghị của ai, ai thi hành); thêm vào dữ liệu của cơ quan một mục [[agencies.decision_wording]] với from, proposal và executors"
    )]
    NoWording(String, String),
    #[error("đợt đánh giá \"{0}\" chưa có kết quả chấm điểm nào")]
    EmptyRound(String),
    #[error("cơ quan \"{0}\" không có cấp trên để chuyển hồ sơ các sản phẩm vượt thẩm quyền")]
    NoNextLevel(String),
    #[error("không có giấy chứng nhận nào theo quyết định \"{0}\"")]
    NoCertificates(String),
    #[error(transparent)]
    Letter(#[from] LetterError),
    #[error("các giấy chứng nhận theo quyết định \"{0}\" không ghi cơ quan cấp; hãy chỉ --issuer")]
    UnknownCertifier(String),
    #[error(transparent)]
    Register(#[from] crate::store::register::RegisterError),
    #[error("cơ sở dữ liệu: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A composed document and the letter text it came from (kept by the register).
pub struct Composed {
    pub document: Document,
    pub letter: String,
    /// A file stem for drafts, e.g. `nhac-han-bg-2020-danh-gia-huyen-2020-10-23`.
    pub stem: String,
}

/// What a reminder needs: the milestone, the day it is written, and optionally who
/// writes and signs it (default: the programme's issuer and its first signer).
pub struct ReminderRequest<'a> {
    pub milestone: &'a str,
    pub date: NaiveDate,
    pub issuer: Option<&'a str>,
    pub signer: Option<&'a str>,
}

/// The agencies responsible for a milestone that have not reported by `date`
/// (reported later than `date`, or not at all), as (id, printed name).
pub fn pending_agencies(
    store: &Store,
    milestone: &str,
    date: NaiveDate,
) -> Result<Vec<(String, String)>, OcopError> {
    let mut stmt = store.conn().prepare(
        "SELECT a.id, a.short_name FROM milestone_agencies m JOIN agencies a ON a.id = m.agency_id
         WHERE m.milestone_id = ?1 AND (m.reported_on IS NULL OR m.reported_on > ?2)
         ORDER BY m.rowid",
    )?;
    let rows = stmt.query_map(rusqlite::params![milestone, date.to_string()], |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Composes the công văn đôn đốc for a milestone, addressed to exactly the agencies
/// that have not reported by the request's date.
pub fn reminder(store: &Store, req: &ReminderRequest) -> Result<Composed, OcopError> {
    let conn = store.conn();
    let (what, due, programme, year, programme_issuer): (String, String, String, i64, String) =
        conn.query_row(
            "SELECT m.what, m.due_date, p.name, p.year, p.issuer_id FROM milestones m
             JOIN programmes p ON p.id = m.programme_id WHERE m.id = ?1",
            [req.milestone],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?
        .ok_or_else(|| OcopError::UnknownMilestone(req.milestone.to_string()))?;
    let due = NaiveDate::parse_from_str(&due, "%Y-%m-%d").expect("dates are stored as ISO");
    let pending = pending_agencies(store, req.milestone, req.date)?;
    if pending.is_empty() {
        return Err(OcopError::NothingToRemind(
            req.milestone.to_string(),
            DocDate::full(req.date).short_form(),
        ));
    }
    let issuer = req.issuer.unwrap_or(&programme_issuer);
    let issuer_short = short_name(store, issuer)?;
    let data = json!({
        "milestone": {
            "id": req.milestone,
            "what": what,
            "due": due.to_string(),
            "due_short": DocDate::full(due).short_form(),
            "days_left": (due - req.date).num_days(),
        },
        "programme": {"name": programme, "year": year},
        "issuer_short": issuer_short,
        "late": req.date > due,
        "agencies": pending.iter().map(|(_, n)| n).collect::<Vec<_>>(),
    });
    compose(
        store,
        Template {
            source: REMINDER,
            name: "templates/ocop/reminder.toml",
        },
        Fill {
            issuer,
            signer: req.signer,
            date: req.date,
            // By id, so the printed name and the delivery resolve to the same agency.
            addressees: pending
                .into_iter()
                .map(|(id, _)| format!("@{id}"))
                .collect(),
            data,
            stem: format!("nhac-han-{}-{}", req.milestone, req.date),
        },
        |_| {},
    )
}

/// A template letter: its text and the path that names it in messages.
struct Template {
    source: &'static str,
    name: &'static str,
}

/// What a command fills into a template letter.
struct Fill<'a> {
    issuer: &'a str,
    signer: Option<&'a str>,
    date: NaiveDate,
    addressees: Vec<String>,
    data: serde_json::Value,
    stem: String,
}

fn short_name(store: &Store, agency: &str) -> Result<String, OcopError> {
    store
        .conn()
        .query_row(
            "SELECT short_name FROM agencies WHERE id = ?1",
            [agency],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| OcopError::UnknownAgency(agency.to_string()))
}

/// Fills a template letter (issuer and signer by id, a draft date of the month, the
/// addressees, `[data]`, "Lưu: VT, <unit>"), lets `edit` adjust it, and parses it.
fn compose(
    store: &Store,
    template: Template,
    fill: Fill,
    edit: impl FnOnce(&mut toml::Table),
) -> Result<Composed, OcopError> {
    let signer: String = match fill.signer {
        Some(s) => s.to_string(),
        None => store
            .conn()
            .query_row(
                "SELECT id FROM people WHERE agency_id = ?1 ORDER BY rowid LIMIT 1",
                [fill.issuer],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| OcopError::NoSigner(fill.issuer.to_string()))?,
    };
    let mut letter: toml::Table =
        toml::from_str(template.source).expect("templates are valid TOML");
    // The web form's declaration is not part of the letter.
    letter.remove("form");
    // The archive line names the drafting unit when the agency has one: "Lưu: VT, PTNT".
    let unit = crate::letter::Lookup::agency(store, fill.issuer).and_then(|a| a.unit);
    if let (Some(unit), Some(toml::Value::Array(recipients))) = (unit, letter.get_mut("recipients"))
    {
        for r in recipients.iter_mut() {
            if r.as_str() == Some("Lưu: VT") {
                *r = format!("Lưu: VT, {unit}").into();
            }
        }
    }
    letter.insert(
        "date".into(),
        format!("{}", fill.date.format("%Y-%m")).into(),
    );
    if !fill.addressees.is_empty() {
        letter.insert(
            "addressees".into(),
            fill.addressees
                .into_iter()
                .map(toml::Value::from)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let mut issuer_table = toml::Table::new();
    issuer_table.insert("id".into(), fill.issuer.into());
    letter.insert("issuer".into(), issuer_table.into());
    let mut signer_table = toml::Table::new();
    signer_table.insert("id".into(), signer.into());
    letter.insert("signer".into(), signer_table.into());
    letter.insert(
        "data".into(),
        toml::Value::try_from(fill.data).expect("template data has no nulls"),
    );
    edit(&mut letter);
    let text = toml::to_string(&letter).expect("a table serializes");
    let document = letter::parse_with(&text, Path::new(template.name), Some(store))?;
    Ok(Composed {
        document,
        letter: text,
        stem: fill.stem,
    })
}

/// The lines a People's Committee's decision needs: who decides, on whose proposal,
/// who executes it, and the legal bases in force on its date (all from data).
#[derive(Clone)]
struct Authority {
    authority: String,
    proposal: String,
    executors: String,
    grounds: Vec<String>,
}

impl Authority {
    fn of(
        store: &Store,
        issuer: &str,
        agency_name: &str,
        date: NaiveDate,
    ) -> Result<Authority, OcopError> {
        let agency_line = agency_name.lines().collect::<Vec<_>>().join(" ");
        let wording = rules::wording(store, issuer, date)?.ok_or_else(|| {
            OcopError::NoWording(issuer.to_string(), DocDate::full(date).short_form())
        })?;
        Ok(Authority {
            authority: format!("Chủ tịch {agency_line}").to_uppercase(),
            proposal: format!("Theo đề nghị của {}", wording.proposal),
            executors: wording.executors,
            grounds: rules::grounds(store, date)?,
        })
    }

    /// Sets `[decision] authority`, `proposal` and the grounds in force (before the
    /// template's own grounds, if it has any) of a template letter.
    fn apply(&self, letter: &mut toml::Table) {
        if let Some(toml::Value::Table(d)) = letter.get_mut("decision") {
            d.insert("authority".into(), self.authority.clone().into());
            d.insert("proposal".into(), self.proposal.clone().into());
            let own = match d.remove("grounds") {
                Some(toml::Value::Array(own)) => own,
                _ => vec![],
            };
            let grounds: Vec<toml::Value> = self
                .grounds
                .iter()
                .cloned()
                .map(toml::Value::from)
                .chain(own)
                .collect();
            d.insert("grounds".into(), grounds.into());
        }
    }
}

/// The yearly plan template.
const PLAN: &str = include_str!("../../templates/ocop/plan.toml");

/// Composes the Kế hoạch triển khai of a programme, issued by the programme's issuer.
pub fn plan(
    store: &Store,
    programme: &str,
    date: NaiveDate,
    signer: Option<&str>,
) -> Result<Composed, OcopError> {
    let (issuer, local_units): (String, String) = store
        .conn()
        .query_row(
            "SELECT issuer_id, local_units FROM programmes WHERE id = ?1",
            [programme],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| OcopError::UnknownProgramme(programme.to_string()))?;
    let id = programme.to_string();
    compose(
        store,
        Template {
            source: PLAN,
            name: "templates/ocop/plan.toml",
        },
        Fill {
            issuer: &issuer,
            signer,
            date,
            addressees: vec![],
            data: json!({}),
            stem: format!("ke-hoach-{programme}"),
        },
        move |letter| {
            letter.insert("programme".into(), id.into());
            // The template's "UBND các xã, thị trấn" names the local units of the programme.
            if let Some(toml::Value::Array(r)) = letter.get_mut("recipients") {
                for line in r.iter_mut() {
                    if line.as_str() == Some("UBND các xã, thị trấn") {
                        *line = local_units.clone().into();
                    }
                }
            }
        },
    )
}

/// The certification decision template.
const DECISION: &str = include_str!("../../templates/ocop/decision.toml");
/// The transfer letter template.
const TRANSFER: &str = include_str!("../../templates/ocop/transfer.toml");

/// What a decision needs: the evaluation round, the certifying People's Committee,
/// the day, and optionally the signer.
pub struct DecisionRequest<'a> {
    pub round: &'a str,
    pub issuer: &'a str,
    pub date: NaiveDate,
    pub signer: Option<&'a str>,
}

/// An evaluated product of a round with its outcome at the certifying level.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub product_id: String,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub group: String,
    pub score: u8,
    pub outcome: tiers::Outcome,
}

/// The decision (products this level certifies), the transfer letter (products above
/// its tier, to the next level), and every evaluated product with its outcome.
pub struct Decision {
    pub decision: Option<Composed>,
    pub transfer: Option<Composed>,
    pub evaluated: Vec<Evaluated>,
}

/// Composes the certification decision of a round and, when some products score above
/// the issuer's tier, the transfer letter to the next level.
pub fn decide(store: &Store, req: &DecisionRequest) -> Result<Decision, OcopError> {
    let conn = store.conn();
    let (level, name, parent): (String, String, Option<String>) = conn
        .query_row(
            "SELECT level, name, parent_id FROM agencies WHERE id = ?1",
            [req.issuer],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| OcopError::UnknownAgency(req.issuer.to_string()))?;
    let province = tiers::province_of(store, req.issuer)?;
    let tier = tiers::tier(store, province.as_deref(), &level, req.date)?.ok_or_else(|| {
        OcopError::NoTier(
            req.issuer.to_string(),
            level.clone(),
            DocDate::full(req.date).short_form(),
        )
    })?;
    let mut stmt = conn.prepare(
        "SELECT p.name, pr.name, pr.address, p.product_group, max(e.score), p.id
         FROM evaluations e JOIN products p ON p.id = e.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE e.round = ?1 GROUP BY p.id ORDER BY min(e.id)",
    )?;
    let evaluated: Vec<Evaluated> = stmt
        .query_map([req.round], |r| {
            let score: i64 = r.get(4)?;
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, score, r.get(5)?))
        })?
        .map(|row| {
            #[allow(clippy::type_complexity)]
            let (product, producer, address, group, score, product_id): (
                String,
                String,
                String,
                String,
                i64,
                String,
            ) = row?;
            let score = crate::data::Score::parse(score).expect("scores are checked on import");
            Ok(Evaluated {
                product_id,
                product,
                producer,
                address,
                group,
                score: score.points(),
                outcome: tier.outcome(score),
            })
        })
        .collect::<Result<_, rusqlite::Error>>()?;
    if evaluated.is_empty() {
        return Err(OcopError::EmptyRound(req.round.to_string()));
    }
    let year: String = conn.query_row(
        "SELECT substr(max(date), 1, 4) FROM evaluations WHERE round = ?1",
        [req.round],
        |r| r.get(0),
    )?;
    let round_label = format!("năm {year}");
    let rows = |pick: fn(tiers::Outcome) -> Option<u8>| -> Vec<serde_json::Value> {
        evaluated
            .iter()
            .filter_map(|e| pick(e.outcome).map(|stars| (e, stars)))
            .enumerate()
            .map(|(i, (e, stars))| {
                json!({"tt": i + 1, "name": e.product, "producer": e.producer, "address": e.address,
                       "group": e.group, "score": e.score, "stars": stars})
            })
            .collect()
    };
    let certified = rows(|o| match o {
        tiers::Outcome::Certify { stars } => Some(stars),
        _ => None,
    });
    let transferred = rows(|o| match o {
        tiers::Outcome::Transfer { stars } => Some(stars),
        _ => None,
    });
    let ocop_bases = rules::bases(store, &[rules::Topic::Ocop], req.date)?.join("; ");
    let parent_short = match &parent {
        Some(p) => Some(short_name(store, p)?),
        None => None,
    };
    let decision = if certified.is_empty() {
        None
    } else {
        let auth = Authority::of(store, req.issuer, &name, req.date)?;
        let mut counts = std::collections::BTreeMap::new();
        for c in &certified {
            *counts.entry(c["stars"].as_u64().unwrap_or(0)).or_insert(0) += 1;
        }
        let star_counts = counts
            .iter()
            .map(|(stars, n)| format!("{n:02} sản phẩm {stars} sao"))
            .collect::<Vec<_>>()
            .join(", ");
        let data = json!({
            "round": round_label, "products": certified, "count": format!("{:02}", certified.len()),
            "star_counts": star_counts, "executors": auth.executors,
        });
        let report_to = parent_short.clone();
        Some(compose(
            store,
            Template {
                source: DECISION,
                name: "templates/ocop/decision.toml",
            },
            Fill {
                issuer: req.issuer,
                signer: req.signer,
                date: req.date,
                addressees: vec![],
                data,
                stem: format!("quyet-dinh-{}", req.round),
            },
            |letter| {
                auth.apply(letter);
                if let (Some(parent), Some(toml::Value::Array(r))) =
                    (report_to, letter.get_mut("recipients"))
                {
                    r.insert(1, format!("{parent} (b/c)").into());
                }
            },
        )?)
    };
    let transfer = match (&parent, parent_short) {
        (Some(parent), Some(parent_short)) if !transferred.is_empty() => {
            let data = json!({
                "round": round_label, "products": transferred, "count": format!("{:02}", transferred.len()),
                "next_level_name": parent_short, "ocop_bases": ocop_bases,
            });
            Some(compose(
                store,
                Template {
                    source: TRANSFER,
                    name: "templates/ocop/transfer.toml",
                },
                Fill {
                    issuer: req.issuer,
                    signer: req.signer,
                    date: req.date,
                    addressees: vec![format!("@{parent}")],
                    data,
                    stem: format!("chuyen-ho-so-{}", req.round),
                },
                |_| {},
            )?)
        }
        _ if !transferred.is_empty() => return Err(OcopError::NoNextLevel(req.issuer.to_string())),
        _ => None,
    };
    Ok(Decision {
        decision,
        transfer,
        evaluated,
    })
}

/// The expiry notice and withdrawal decision templates.
const EXPIRY_NOTICE: &str = include_str!("../../templates/ocop/expiry-notice.toml");
const WITHDRAWAL: &str = include_str!("../../templates/ocop/withdrawal.toml");

/// A look-ahead window: `6m`, `3m`, `90d`, `1y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Days(u32),
    Months(u32),
}

impl Window {
    pub fn parse(s: &str) -> Result<Window, String> {
        let s = s.trim();
        let bad = || {
            format!("khoảng \"{s}\" không hợp lệ; hãy ghi như 6m (tháng), 90d (ngày) hoặc 1y (năm)")
        };
        let (n, unit) = s.split_at(s.len().saturating_sub(1));
        let n: u32 = n.parse().map_err(|_| bad())?;
        match unit {
            "d" => Ok(Window::Days(n)),
            "m" => Ok(Window::Months(n)),
            "y" => Ok(Window::Months(n * 12)),
            _ => Err(bad()),
        }
    }

    /// The last day inside the window that starts on `from`.
    pub fn end(self, from: NaiveDate) -> NaiveDate {
        match self {
            Window::Days(d) => from + chrono::Days::new(u64::from(d)),
            Window::Months(m) => from
                .checked_add_months(chrono::Months::new(m))
                .unwrap_or(NaiveDate::MAX),
        }
    }
}

/// A certificate in the issuer's territory, with what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpiringCertificate {
    pub id: i64,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub commune: Option<String>,
    pub stars: u8,
    pub decision: String,
    pub issued_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// Evaluated again after the certificate was issued.
    pub re_registered: bool,
}

/// What `expiring` found and drafted.
pub struct Expiring {
    pub certificates: Vec<ExpiringCertificate>,
    /// To the communes: re-evaluation dossiers for certificates expiring in the window.
    pub notice: Option<Composed>,
    /// Withdrawal of expired certificates whose products did not re-register.
    pub withdrawal: Option<Composed>,
}

/// Certificates of products in `issuer`'s territory that expire by the end of the
/// window (or already have), with the notice and the withdrawal decision drafts.
pub fn expiring(
    store: &Store,
    issuer: &str,
    date: NaiveDate,
    window: Window,
    signer: Option<&str>,
) -> Result<Expiring, OcopError> {
    let conn = store.conn();
    let name: String = conn
        .query_row("SELECT name FROM agencies WHERE id = ?1", [issuer], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or_else(|| OcopError::UnknownAgency(issuer.to_string()))?;
    let end = window.end(date);
    let mut stmt = conn.prepare(
        "WITH RECURSIVE area(id) AS (
             SELECT ?1 UNION SELECT a.id FROM agencies a JOIN area ON a.parent_id = area.id)
         SELECT p.name, pr.name, pr.address, pr.commune_id, c.stars, c.decision, c.issued_on, c.expires_on,
                EXISTS (SELECT 1 FROM evaluations e WHERE e.product_id = p.id AND e.date > c.issued_on), c.id
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE pr.commune_id IN (SELECT id FROM area) AND c.expires_on <= ?2
         ORDER BY c.expires_on, p.name",
    )?;
    let date_of =
        |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").expect("dates are stored as ISO");
    let certificates: Vec<ExpiringCertificate> = stmt
        .query_map(rusqlite::params![issuer, end.to_string()], |r| {
            Ok(ExpiringCertificate {
                id: r.get(9)?,
                product: r.get(0)?,
                producer: r.get(1)?,
                address: r.get(2)?,
                commune: r.get(3)?,
                stars: r.get(4)?,
                decision: r.get(5)?,
                issued_on: date_of(r.get(6)?),
                expires_on: date_of(r.get(7)?),
                re_registered: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let rows = |pick: &dyn Fn(&ExpiringCertificate) -> bool| -> Vec<serde_json::Value> {
        certificates
            .iter()
            .filter(|c| pick(c))
            .enumerate()
            .map(|(i, c)| {
                json!({"tt": i + 1, "name": c.product, "producer": c.producer, "address": c.address,
                       "stars": c.stars, "decision": c.decision,
                       "issued": DocDate::full(c.issued_on).short_form(),
                       "expires": DocDate::full(c.expires_on).short_form()})
            })
            .collect()
    };
    let expired = rows(&|c| c.expires_on <= date && !c.re_registered);
    let upcoming: Vec<i64> = certificates
        .iter()
        .filter(|c| c.expires_on > date && !c.re_registered)
        .map(|c| c.id)
        .collect();
    let notice = if upcoming.is_empty() {
        None
    } else {
        Some(expiry_notice(
            store,
            issuer,
            date,
            Some(end),
            &upcoming,
            signer,
        )?)
    };
    let withdrawal = if expired.is_empty() {
        None
    } else {
        let auth = Authority::of(store, issuer, &name, date)?;
        let executors = auth.executors.clone();
        Some(compose(
            store,
            Template {
                source: WITHDRAWAL,
                name: "templates/ocop/withdrawal.toml",
            },
            Fill {
                issuer,
                signer,
                date,
                addressees: vec![],
                data: json!({"products": expired, "count": format!("{:02}", expired.len()),
                             "executors": executors}),
                stem: format!("thu-hoi-{issuer}-{date}"),
            },
            |letter| auth.apply(letter),
        )?)
    };
    Ok(Expiring {
        certificates,
        notice,
        withdrawal,
    })
}

/// (product, producer, address, commune, stars, decision, issued, expires)
type NoticeRow = (
    String,
    String,
    String,
    Option<String>,
    u8,
    String,
    NaiveDate,
    NaiveDate,
);

/// The notice asking for re-evaluation dossiers for the given certificates, written by
/// `issuer` on `date` to the producers' communes; "expiring by `until`" (default: the
/// last of their expiry dates).
pub fn expiry_notice(
    store: &Store,
    issuer: &str,
    date: NaiveDate,
    until: Option<NaiveDate>,
    certificates: &[i64],
    signer: Option<&str>,
) -> Result<Composed, OcopError> {
    let ids = serde_json::to_string(certificates).expect("ids serialize");
    let mut stmt = store.conn().prepare(
        "SELECT p.name, pr.name, pr.address, pr.commune_id, c.stars, c.decision, c.issued_on, c.expires_on
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.id IN (SELECT value FROM json_each(?1))
         ORDER BY c.expires_on, p.name",
    )?;
    let date_of =
        |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").expect("dates are stored as ISO");
    let rows: Vec<NoticeRow> = stmt
        .query_map([ids], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                date_of(r.get(6)?),
                date_of(r.get(7)?),
            ))
        })?
        .collect::<Result<_, _>>()?;
    let until = until.unwrap_or_else(|| rows.iter().map(|r| r.7).max().unwrap_or(date));
    let mut communes: Vec<String> = vec![];
    for r in &rows {
        if let Some(id) = &r.3 {
            let at = format!("@{id}");
            if !communes.contains(&at) {
                communes.push(at);
            }
        }
    }
    let products: Vec<serde_json::Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({"tt": i + 1, "name": r.0, "producer": r.1, "address": r.2, "stars": r.4,
                   "decision": r.5, "issued": DocDate::full(r.6).short_form(),
                   "expires": DocDate::full(r.7).short_form()})
        })
        .collect();
    compose(
        store,
        Template {
            source: EXPIRY_NOTICE,
            name: "templates/ocop/expiry-notice.toml",
        },
        Fill {
            issuer,
            signer,
            date,
            addressees: communes,
            data: json!({"count": format!("{:02}", products.len()), "products": products,
                         "until": DocDate::full(until).short_form()}),
            stem: format!("het-han-{issuer}-{date}"),
        },
        |_| {},
    )
}

/// Issues a certification decision through the register and records the certificates
/// it grants (one per certified product, 36 months from the signing date, month ends
/// clamped, certified by `issuer`) in the same transaction: either the decision and its
/// certificates are stored together, or neither is. Returns the register entry and the
/// number of certificates.
pub fn issue_decision(
    store: &mut Store,
    renderer: &crate::Renderer,
    decision: &Composed,
    issuer: &str,
    date: NaiveDate,
    evaluated: &[Evaluated],
) -> Result<(crate::store::register::Entry, usize), OcopError> {
    let mut n = 0;
    let entry = crate::store::register::issue_then(
        store,
        &decision.document,
        &decision.letter,
        date,
        |doc| crate::store::register::render_files(renderer, doc),
        |tx, entry| {
            n = certify(tx, entry, issuer, date, evaluated)?;
            Ok(())
        },
    )?;
    Ok((entry, n))
}

/// Records the certificates an issued decision grants, dated the day it was signed
/// (`date` when the entry's own date cannot be read); the caller owns the transaction.
pub fn certify(
    conn: &rusqlite::Connection,
    entry: &crate::store::register::Entry,
    issuer: &str,
    date: NaiveDate,
    evaluated: &[Evaluated],
) -> Result<usize, rusqlite::Error> {
    let signed = NaiveDate::parse_from_str(&entry.date, "%Y-%m-%d").unwrap_or(date);
    insert_certificates(conn, &entry.number_symbol, issuer, signed, evaluated)
}

/// Inserts the certificates of the certified products of `evaluated` under `decision`
/// (36 months from `date`); the caller owns the transaction.
pub fn insert_certificates(
    conn: &rusqlite::Connection,
    decision: &str,
    issuer: &str,
    date: NaiveDate,
    evaluated: &[Evaluated],
) -> Result<usize, rusqlite::Error> {
    let expires = date
        .checked_add_months(chrono::Months::new(36))
        .unwrap_or(NaiveDate::MAX);
    let mut stmt = conn.prepare(
        "INSERT INTO certificates (product_id, decision, stars, issued_on, expires_on, issuer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut n = 0;
    for e in evaluated {
        if let tiers::Outcome::Certify { stars } = e.outcome {
            stmt.execute(rusqlite::params![
                e.product_id,
                decision,
                stars,
                date.to_string(),
                expires.to_string(),
                issuer
            ])?;
            n += 1;
        }
    }
    Ok(n)
}

/// The data of one certificate page, as the certificate layout reads it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CertificatePage {
    pub stem: String,
    pub issuer: Vec<String>,
    pub number: String,
    pub product: String,
    pub producer: String,
    pub address: String,
    pub group: String,
    pub stars: u8,
    pub decision_line: String,
    pub valid_until: String,
    pub date_line: String,
    pub signature: Vec<String>,
    pub signer: String,
}

/// (product id, product, producer, address, group, stars, issued, expires)
type CertificateRow = (
    String,
    String,
    String,
    String,
    String,
    u8,
    NaiveDate,
    NaiveDate,
);

/// Every certificate of a decision, ready to render.
pub struct CertificateSet {
    pub decision: String,
    pub issuer_name: String,
    pub issued_on: NaiveDate,
    pub pages: Vec<CertificatePage>,
}

/// Builds the certificates of the products recognised by `decision`, issued by
/// `issuer` (default: the agency stored with the certificates) and signed by `signer`
/// (default: the agency's first person).
pub fn certificate_set(
    store: &Store,
    decision: &str,
    issuer: Option<&str>,
    signer: Option<&str>,
) -> Result<CertificateSet, OcopError> {
    use crate::letter::Lookup;
    let stored: Option<String>;
    let issuer = match issuer {
        Some(i) => i,
        None => {
            let issuers: Vec<Option<String>> = store
                .conn()
                .prepare("SELECT DISTINCT issuer_id FROM certificates WHERE decision = ?1")?
                .query_map([decision], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            stored = match issuers.as_slice() {
                [] => return Err(OcopError::NoCertificates(decision.to_string())),
                [Some(one)] => Some(one.clone()),
                _ => return Err(OcopError::UnknownCertifier(decision.to_string())),
            };
            stored.as_deref().expect("set above")
        }
    };
    let agency = store
        .agency(issuer)
        .ok_or_else(|| OcopError::UnknownAgency(issuer.to_string()))?;
    let signer_id: String = match signer {
        Some(s) => s.to_string(),
        None => store
            .conn()
            .query_row(
                "SELECT id FROM people WHERE agency_id = ?1 ORDER BY rowid LIMIT 1",
                [issuer],
                |r| r.get(0),
            )
            .optional()?
            .ok_or_else(|| OcopError::NoSigner(issuer.to_string()))?,
    };
    let person = store
        .person(&signer_id)
        .ok_or_else(|| OcopError::NoSigner(issuer.to_string()))?;
    let signature: Vec<String> = person
        .authority
        .iter()
        .filter_map(|a| crate::model::AuthorityLine::parse(a).map(|a| a.text()))
        .chain(std::iter::once(person.title.to_uppercase()))
        .collect();
    let mut stmt = store.conn().prepare(
        "SELECT p.id, p.name, pr.name, pr.address, p.product_group, c.stars, c.issued_on, c.expires_on
         FROM certificates c JOIN products p ON p.id = c.product_id JOIN producers pr ON pr.id = p.producer_id
         WHERE c.decision = ?1 ORDER BY c.id",
    )?;
    let date_of =
        |s: String| NaiveDate::parse_from_str(&s, "%Y-%m-%d").expect("dates are stored as ISO");
    let rows: Vec<CertificateRow> = stmt
        .query_map([decision], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                date_of(r.get(6)?),
                date_of(r.get(7)?),
            ))
        })?
        .collect::<Result<_, _>>()?;
    let Some(issued_on) = rows.first().map(|r| r.6) else {
        return Err(OcopError::NoCertificates(decision.to_string()));
    };
    let issuer_lines: Vec<String> = agency.name.iter().map(|l| l.to_uppercase()).collect();
    let pages = rows
        .into_iter()
        .enumerate()
        .map(
            |(i, (id, product, producer, address, group, stars, issued, expires))| {
                CertificatePage {
                    stem: format!("{:03}-{id}", i + 1),
                    issuer: issuer_lines.clone(),
                    number: format!("Số: {:03}/GCN-OCOP", i + 1),
                    product,
                    producer,
                    address,
                    group,
                    stars,
                    decision_line: format!(
                        "Theo Quyết định số {decision} ngày {} của {}",
                        DocDate::full(issued).short_form(),
                        agency.short_name
                    ),
                    valid_until: format!(
                        "Giấy chứng nhận có giá trị đến ngày {}",
                        DocDate::full(expires).short_form()
                    ),
                    date_line: format!("{}, {}", agency.place, DocDate::full(issued).long_form()),
                    signature: signature.clone(),
                    signer: person.name.clone(),
                }
            },
        )
        .collect();
    Ok(CertificateSet {
        decision: decision.to_string(),
        issuer_name: agency.name.join(" "),
        issued_on,
        pages,
    })
}

/// How many certificates are laid out together when exporting them one by one: small
/// enough to keep memory low, large enough to share fonts and layout work.
const CERTIFICATE_CHUNK: usize = 100;

/// Renders the certificates: all of them laid out once as the combined PDF (returned),
/// then each as its own PDF, handed to `sink` as soon as it exists (laid out
/// `CERTIFICATE_CHUNK` at a time, pages exported on `threads` threads).
pub fn render_certificates(
    renderer: &crate::Renderer,
    set: &CertificateSet,
    threads: usize,
    mut sink: impl FnMut(&CertificatePage, Vec<u8>) -> std::io::Result<()>,
) -> Result<Vec<u8>, crate::render::RenderError> {
    use chrono::Datelike;
    let day = (
        set.issued_on.year(),
        set.issued_on.month(),
        set.issued_on.day(),
    );
    let title = format!(
        "Giấy chứng nhận sản phẩm OCOP theo Quyết định số {}",
        set.decision
    );
    let data = |pages: &[CertificatePage]| {
        serde_json::to_vec(&json!({
            "meta": {"title": title, "author": set.issuer_name, "keywords": set.decision,
                     "year": day.0, "month": day.1, "day": day.2},
            "certificates": pages,
        }))
        .expect("certificate data serializes")
    };
    let layout = crate::render::pdf::Layout::Certificate;
    // The combined layout first: its memory is freed before the threads start, so
    // they reuse it instead of adding to the peak.
    let (combined, _) = renderer.pdf_layout(layout, data(&set.pages), &set.decision, day)?;
    typst::comemo::evict(0);
    for part in set.pages.chunks(CERTIFICATE_CHUNK) {
        let pdfs = renderer.pdf_layout_pages(layout, data(part), &set.decision, day, threads)?;
        for (page, pdf) in part.iter().zip(pdfs) {
            sink(page, pdf)?;
        }
    }
    Ok(combined)
}
