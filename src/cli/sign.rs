//! `vanthu issue` and `vanthu verify`: a letter through the register (signed with
//! `--sign`), and the digital signatures of any PDF checked.

use std::path::PathBuf;

use clap::Args;
use vanthu::store::register;
use vanthu::{Renderer, letter};

use super::{Globals, full_date};

#[derive(Args)]
pub struct IssueArgs {
    letter: PathBuf,
    /// The issuing date when the letter has no complete date (default: today in Vietnam).
    #[arg(long)]
    date: Option<String>,
    #[arg(long, env = "VANTHU_FONT_DIR")]
    font_dir: Option<PathBuf>,
    /// Issue an electronic original: the signature and seal images and the signer's
    /// and the agency's digital signatures, with the keys of `[signing]`.
    #[arg(long)]
    sign: bool,
}

#[derive(Args)]
pub struct VerifyArgs {
    file: PathBuf,
    /// Print the report as JSON (the API's shape) instead of text.
    #[arg(long)]
    json: bool,
    /// Verify as on this day (YYYY-MM-DD, noon Vietnam time) instead of now: what an
    /// archive will say then.
    #[arg(long)]
    at: Option<String>,
}

/// Issues one letter file and prints its number and symbol.
pub fn issue(globals: &Globals, args: IssueArgs) -> anyhow::Result<()> {
    let path = args.letter;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| anyhow::anyhow!("{}: tệp: không đọc được tệp: {e}", path.display()))?;
    let mut store = globals.store()?;
    let draft = letter::parse_with(&text, &path, Some(&store))?;
    let date = full_date(args.date)?;
    let renderer = Renderer::new(args.font_dir.as_deref())?;
    let entry = if args.sign {
        let keyring = globals.keyring()?;
        let unlock = ask_unlock(vanthu::sign::issue::key_places(&keyring, &draft))?;
        register::issue_signed(&mut store, &renderer, &keyring, unlock, &draft, &text, date)
    } else {
        register::issue(&mut store, &renderer, &draft, &text, date)
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    println!("{}", entry.number_symbol);
    Ok(())
}

/// Prints the verification report of one PDF; exits 1 when a signature is not valid.
pub fn verify(globals: &Globals, args: VerifyArgs) -> anyhow::Result<()> {
    let file = args.file;
    let bytes = std::fs::read(&file)
        .map_err(|e| anyhow::anyhow!("{}: không đọc được tệp: {e}", file.display()))?;
    let keyring = globals.keyring()?;
    let at = match args.at {
        None => chrono::Utc::now(),
        Some(day) => chrono::NaiveDate::parse_from_str(&day, "%Y-%m-%d")
            .map_err(|_| anyhow::anyhow!("--at {day}: ngày phải viết YYYY-MM-DD"))?
            .and_hms_opt(5, 0, 0)
            .expect("noon in Vietnam")
            .and_utc(),
    };
    let report = vanthu::sign::verify::verify_at(
        &bytes,
        keyring.trust(),
        std::time::Duration::from_secs(3600),
        at,
    )
    .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    if args.json {
        println!("{}", serde_json::to_string(&report.view())?);
    } else {
        print!("{}", report.text());
    }
    if !report.all_valid() {
        std::process::exit(1);
    }
    Ok(())
}

/// The PIN of each token key among `places` (the keys about to sign), typed at a
/// prompt (without echo on a terminal; one line each from a pipe), and a remote
/// signer's wait told on stderr.
pub(super) fn ask_unlock(
    places: Vec<(vanthu::sign::keys::Owner, vanthu::sign::keys::KeyPlace)>,
) -> anyhow::Result<vanthu::sign::Unlock> {
    use std::io::{BufRead, IsTerminal};
    use vanthu::sign::keys::KeyPlace;
    let mut unlock = vanthu::sign::Unlock::default()
        .on_wait(std::sync::Arc::new(|message: &str| eprintln!("{message}")));
    for (owner, place) in places {
        let KeyPlace::Token(token) = place else {
            continue;
        };
        let prompt = format!("Mã PIN của {token} ({owner}): ");
        let pin = if std::io::stdin().is_terminal() {
            rpassword::prompt_password(&prompt)?
        } else {
            eprint!("{prompt}");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            eprintln!();
            line.trim_end_matches(['\r', '\n']).to_string()
        };
        if pin.is_empty() {
            anyhow::bail!("chưa nhập mã PIN của {token}; văn bản chưa được ban hành");
        }
        unlock = unlock.with_pin(owner.role(), pin.into());
    }
    Ok(unlock)
}
