//! One-off commands on the database `portico serve` would use with the same
//! configuration: `portico user add|passwd`, `portico token create` and
//! `portico search rebuild`, and the demo admin that the quick start's `run`
//! asks for.

use crate::cli::{ServeArgs, TokenCreateArgs, UserAddArgs, UserPasswdArgs};
use crate::config::Config;
use crate::error::ServerError;
use domain::identity::audit::{self, AuditRecord};
use domain::identity::{secrets, users, Identity};
use domain::{Database, DomainError};
use model::Role;
use std::io::{BufRead, IsTerminal};
use std::path::Path;

/// The username of the demo admin.
pub const DEMO_ADMIN: &str = "admin";

/// `portico user add NAME [--admin]`.
pub async fn user_add(config_file: Option<&Path>, args: &UserAddArgs) -> Result<(), ServerError> {
    let config = Config::load(config_file, &args.serve)?;
    let password = read_new_password(&format!("Password for {}", args.name))?;
    let database = open(&config).await?;
    let identity = Identity::new(config.auth.identity()?);
    let new = users::NewUser {
        username: args.name.clone(),
        email: args.email.clone(),
        display_name: args.display_name.clone(),
        password: Some(password),
        role: if args.admin { Role::Admin } else { Role::Member },
        entity_ref: args.entity.clone(),
    };
    let outcome = identity.add_user(database.connection(), None, new, None).await;
    database.close().await?;
    let user = outcome?;
    println!(
        "created {} {} ({})",
        user.role(),
        user.username,
        user.entity_ref.as_deref().unwrap_or("no catalog entity")
    );
    Ok(())
}

/// `portico user passwd NAME`.
pub async fn user_passwd(config_file: Option<&Path>, args: &UserPasswdArgs) -> Result<(), ServerError> {
    let config = Config::load(config_file, &args.serve)?;
    let password = read_new_password(&format!("New password for {}", args.name))?;
    let database = open(&config).await?;
    let outcome = async {
        let user = users::set_password(database.connection(), &args.name, &password).await?;
        audit::record(database.connection(), AuditRecord::cli("user.password_changed").target(user.username.clone()))
            .await?;
        Ok::<_, DomainError>(user)
    }
    .await;
    database.close().await?;
    println!("password changed for {}", outcome?.username);
    Ok(())
}

/// `portico token create --user NAME [--scope read|write]`: the token alone
/// on the last line, ready for `| tail -n1`.
pub async fn token_create(config_file: Option<&Path>, args: &TokenCreateArgs) -> Result<(), ServerError> {
    let config = Config::load(config_file, &args.serve)?;
    let database = open(&config).await?;
    let identity = Identity::new(config.auth.identity()?);
    let outcome = identity
        .create_token_for(database.connection(), &args.user, &args.name, args.scope.into(), args.expires_in_days)
        .await;
    database.close().await?;
    let created = outcome?;
    let expiry =
        created.summary.expires_at.as_deref().map(|at| format!("expires {at}")).unwrap_or("never expires".into());
    println!(
        "{} token '{}' for {} ({expiry}); it is shown only now:",
        created.summary.scope, created.summary.name, args.user
    );
    println!("{}", created.token);
    Ok(())
}

/// `portico search rebuild`: the data directory's index for this database,
/// made again from every stored entity.
pub async fn search_rebuild(config_file: Option<&Path>, args: &ServeArgs) -> Result<(), ServerError> {
    let config = Config::load(config_file, args)?;
    let database = open(&config).await?;
    let outcome = async {
        let installation = domain::settings::ensure_installation(database.connection()).await?;
        let search = domain::Search::new(config.data_dir.join("search"));
        search.open(&installation.id).await?;
        let started = std::time::Instant::now();
        let count = search.rebuild(&database).await?;
        Ok::<_, DomainError>((count, started.elapsed(), search.stats()))
    }
    .await;
    database.close().await?;
    let (count, took, stats) = outcome?;
    let size = stats.map(|stats| stats.bytes_on_disk).unwrap_or_default();
    println!(
        "search index rebuilt: {count} entities in {:.2} s, {:.2} MiB on disk",
        took.as_secs_f64(),
        size as f64 / (1024.0 * 1024.0)
    );
    Ok(())
}

/// Creates the demo admin, or gives it a new password, and prints the
/// password once on standard output (never into the log).
pub async fn prepare_demo_admin(database: &Database, sign_in_url: &str) -> Result<(), DomainError> {
    let db = database.connection();
    let password: String = secrets::random_secret("").chars().filter(char::is_ascii_alphanumeric).take(20).collect();
    let action = match users::find_by_username(db, DEMO_ADMIN).await? {
        Some(_) => {
            users::set_password(db, DEMO_ADMIN, &password).await?;
            "user.password_changed"
        }
        None => {
            let new = users::NewUser {
                username: DEMO_ADMIN.to_owned(),
                email: None,
                display_name: Some("Demo Admin".to_owned()),
                password: Some(password.clone()),
                role: Role::Admin,
                entity_ref: None,
            };
            users::create(db, new).await?;
            "user.created"
        }
    };
    let record = AuditRecord { actor_kind: "system", ..AuditRecord::new(action, None) }
        .target(DEMO_ADMIN)
        .details(serde_json::json!({ "reason": "demo admin at start-up" }));
    audit::record(db, record).await?;
    println!("Demo admin: sign in at {sign_in_url} as `{DEMO_ADMIN}` with password {password}");
    println!("(shown once; every start with --demo-admin makes a new one)");
    Ok(())
}

async fn open(config: &Config) -> Result<Database, ServerError> {
    let database = Database::connect(&config.database_url, 1).await?;
    database.migrate().await?;
    Ok(database)
}

/// A password from a prompt (typed twice, not echoed) or, when stdin is not
/// a terminal, from its first line. Never from the command line.
fn read_new_password(prompt: &str) -> Result<String, ServerError> {
    let io_error = |source| ServerError::Io { what: "cannot read the password".to_owned(), source };
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{prompt}: ")).map_err(io_error)?;
        let second = rpassword::prompt_password("Repeat it: ").map_err(io_error)?;
        if first != second {
            return Err(ServerError::ConfigInvalid("the two passwords differ".to_owned()));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(io_error)?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    model::identity::validate_password(&password)
        .map_err(|reason| ServerError::ConfigInvalid(format!("password: {reason}")))?;
    Ok(password)
}
