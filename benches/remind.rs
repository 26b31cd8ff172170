//! A year of daily reminder runs over 50 programmes × 20 milestones × 700 agencies
//! (700,000 milestone assignments): `cargo bench --bench remind`. Prints the wall time
//! of the 365 runs and what they drafted; target ≤ 10 s.
//!
//! Each agency reports on each milestone somewhere between 20 days before and 9 days
//! after its due date, except one in twenty that never does, so every step fires:
//! 14 and 3 days before, the due date, and every 7 days while overdue.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use rusqlite::params;
use vanthu::mail::MailSettings;
use vanthu::remind;
use vanthu::store::Store;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(&dir.path().join("remind.db")).unwrap();
    let start = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    let setup = Instant::now();
    {
        let tx = store.conn_mut().transaction().unwrap();
        tx.execute(
            "INSERT INTO agencies (id, name, level, place, abbreviation, short_name) VALUES ('tinh', 'UBND tỉnh', 'province', 'Tỉnh', 'UBND', 'UBND tỉnh')",
            [],
        )
        .unwrap();
        let mut agency = tx
            .prepare("INSERT INTO agencies (id, name, parent_id, level, place, abbreviation, short_name) VALUES (?1, ?2, 'tinh', 'commune', 'Tỉnh', 'UBND', ?2)")
            .unwrap();
        for a in 0..700 {
            agency
                .execute(params![format!("xa-{a}"), format!("UBND xã số {a}")])
                .unwrap();
        }
        let mut programme = tx
            .prepare(
                "INSERT INTO programmes (id, year, issuer_id, name) VALUES (?1, 2021, 'tinh', ?2)",
            )
            .unwrap();
        let mut milestone = tx
            .prepare("INSERT INTO milestones (id, programme_id, what, due_date) VALUES (?1, ?2, 'Báo cáo', ?3)")
            .unwrap();
        let mut assign = tx
            .prepare("INSERT INTO milestone_agencies (milestone_id, agency_id, reported_on) VALUES (?1, ?2, ?3)")
            .unwrap();
        for p in 0..50 {
            let pid = format!("ct-{p}");
            programme
                .execute(params![pid, format!("Chương trình {p}")])
                .unwrap();
            for m in 0..20u64 {
                let mid = format!("{pid}-m{m}");
                let due = start + Days::new(20 + m * 17 + p as u64 % 17);
                milestone
                    .execute(params![mid, pid, due.to_string()])
                    .unwrap();
                for a in 0..700u64 {
                    let reported = (a % 20 != 7).then(|| {
                        let offset = (a * 7 + m * 3 + p as u64) % 30;
                        (due - Days::new(20) + Days::new(offset)).to_string()
                    });
                    assign
                        .execute(params![mid, format!("xa-{a}"), reported])
                        .unwrap();
                }
            }
        }
        drop((agency, programme, milestone, assign));
        tx.commit().unwrap();
    }
    println!(
        "set-up: 50 programmes × 20 milestones × 700 agencies in {:.1} s",
        setup.elapsed().as_secs_f64()
    );
    let settings = MailSettings::default();
    let t = Instant::now();
    let (mut drafts, mut firings) = (0, 0);
    for day in start.iter_days().take(365) {
        let r = remind::run(&mut store, day, false, None, &settings).unwrap();
        drafts += r.fired.len();
        firings += r.fired.iter().map(|f| f.count).sum::<usize>();
    }
    let elapsed = t.elapsed();
    println!(
        "remind/year_of_daily_runs: 365 runs in {:.2} s ({:.1} ms per run): {drafts} reminders drafted to {firings} agencies (target ≤ 10 s)",
        elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1000.0 / 365.0
    );
}
