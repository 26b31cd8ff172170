//! `vanthu user …`: the service's accounts from the command line (the operator of the
//! machine acts as the service's administrator). Every account works for one agency
//! (`--agency`), a signer's account is a person (`--person`); administrators of the
//! whole service take `--service`.

use clap::{Args, Subcommand};
use vanthu::service::accounts::{self, Link, Login, Password, Role, UserChanges};
use vanthu::store::Store;

/// Where an account works.
#[derive(Args)]
pub struct Place {
    /// The agency the account works for (every account but --service).
    #[arg(long)]
    agency: Option<String>,
    /// For a signer: the person record the account is (name, title, key).
    #[arg(long)]
    person: Option<String>,
    /// An administrator of the whole service, of no one agency.
    #[arg(long, conflicts_with_all = ["agency", "person"])]
    service: bool,
}

impl Place {
    fn link(&self) -> Result<Link, accounts::AccountError> {
        Link::parse(self.agency.as_deref(), self.person.as_deref(), self.service)
    }
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from VANTHU_PASSWORD or the first line of stdin.
    Add {
        login: String,
        /// Full name as shown in the pages (a signer's defaults to their person's).
        #[arg(long, default_value = "")]
        name: String,
        /// drafter (chuyên viên), signer (lãnh đạo), clerk (văn thư) or admin.
        #[arg(long, default_value = "drafter", conflicts_with = "admin")]
        role: String,
        /// Same as --role admin.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        place: Place,
    },
    /// Place an account: an agency (and a signer's person), or the whole service for an
    /// administrator. Accounts made before agencies are unlinked until this is done.
    Link {
        login: String,
        #[command(flatten)]
        place: Place,
    },
    /// Change an account's name or role.
    Edit {
        login: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        role: Option<String>,
    },
    /// Set a temporary password (VANTHU_PASSWORD or stdin): the user chooses a new one at
    /// their next sign-in; their sessions and API tokens end.
    Passwd { login: String },
    /// Disable an account (kept for the audit log); its sessions and tokens end.
    Disable { login: String },
    /// Enable a disabled account.
    Enable { login: String },
    /// List users.
    List,
    /// Create an API token for a user (printed once).
    Token {
        login: String,
        #[arg(long, default_value = "")]
        label: String,
    },
}

/// The password of VANTHU_PASSWORD, or the first line of stdin. The line is read one
/// byte at a time, so a script can pipe one line to each of several commands
/// (`printf 'một\nhai\n' | { vanthu user add …; vanthu user add …; }`).
fn password_input() -> anyhow::Result<String> {
    use std::io::Read;
    if let Ok(p) = std::env::var("VANTHU_PASSWORD") {
        return Ok(p);
    }
    let mut line = vec![];
    let mut byte = [0u8; 1];
    // An unbuffered handle on standard input where the system has one.
    let mut input: Box<dyn Read> = match std::fs::File::open("/dev/stdin") {
        Ok(f) => Box::new(f),
        Err(_) => Box::new(std::io::stdin()),
    };
    while input.read(&mut byte)? == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
        if line.len() > 4096 {
            anyhow::bail!("mật khẩu đọc từ stdin dài quá 4096 byte");
        }
    }
    let line = String::from_utf8(line)
        .map_err(|_| anyhow::anyhow!("mật khẩu đọc từ stdin không phải UTF-8"))?;
    Ok(line.trim_end_matches('\r').to_string())
}

pub fn run(command: UserCommand, store: &mut Store) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            login,
            name,
            role,
            admin,
            place,
        } => {
            let login = Login::parse(&login)?;
            let role = if admin {
                Role::Admin
            } else {
                Role::parse(&role)?
            };
            let link = place.link()?;
            let password = Password::parse_for(&password_input()?, login.as_str())?;
            let user = accounts::add_user(store, None, &login, &name, role, &link, &password)?;
            println!(
                "đã thêm {} ({}, {})",
                user.login,
                user.name,
                user.role.label()
            );
        }
        UserCommand::Link { login, place } => {
            let link = place.link()?;
            let user = accounts::link(store, None, &login, link)?;
            println!("đã gắn {} ({})", user.login, where_works(&user));
        }
        UserCommand::Edit { login, name, role } => {
            let changes = UserChanges {
                name,
                role: role.as_deref().map(Role::parse).transpose()?,
                link: None,
            };
            let user = accounts::update_user(store, None, &login, &changes)?;
            println!(
                "đã sửa {} ({}, {})",
                user.login,
                user.name,
                user.role.label()
            );
        }
        UserCommand::Passwd { login } => {
            let password = Password::parse_for(&password_input()?, &login)?;
            accounts::reset_password(store, None, &login, &password)?;
            println!("đã đặt lại mật khẩu của {login}: người dùng phải đổi mật khẩu khi đăng nhập");
        }
        UserCommand::Disable { login } => {
            accounts::disable(store, None, &login)?;
            println!("đã khóa tài khoản {login}");
        }
        UserCommand::Enable { login } => {
            accounts::enable(store, None, &login)?;
            println!("đã mở khóa tài khoản {login}");
        }
        UserCommand::List => {
            for u in accounts::users(store)? {
                println!(
                    "{}\t{}\t{}\t{}",
                    u.login,
                    u.name,
                    u.role.code(),
                    where_works(&u)
                );
            }
        }
        UserCommand::Token { login, label } => {
            let label = accounts::TokenLabel::parse(&label)?;
            println!("{}", accounts::create_token(store, &login, &label)?);
        }
    }
    Ok(())
}

/// Where an account works, in words: "snn-bac-giang", "snn-bac-giang, người ký
/// duong-thanh-tung", "toàn hệ thống", "chưa gắn cơ quan".
fn where_works(u: &accounts::User) -> String {
    match (&u.scope, &u.person) {
        (accounts::Scope::Agency(a), Some(p)) => format!("{a}, người ký {p}"),
        (accounts::Scope::Agency(a), None) => a.clone(),
        (accounts::Scope::Service, _) => "toàn hệ thống".into(),
        (accounts::Scope::Unlinked, _) => "chưa gắn cơ quan".into(),
    }
}
