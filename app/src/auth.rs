//! Who the page is for. On the server, the principal the authentication
//! middleware found is read from the request; every page load fetches one
//! [`AccessInfo`] (viewer, guest mode, single sign-on, first-run setup) that
//! the header and pages share through context, serialized into the page so
//! the browser does not ask again.

use crate::error::AppError;
use leptos::prelude::*;
use model::AccessInfo;

/// What every page needs to know about access, loaded once per page load.
#[server(prefix = "/api/fn", endpoint = "access")]
pub async fn load_access_info() -> Result<AccessInfo, AppError> {
    let identity = server::identity()?;
    let viewer = match server::principal() {
        Some(principal) => principal.viewer(),
        None => model::Viewer::Anonymous,
    };
    let needs_setup = match (&viewer, use_context::<domain::Services>().map(|services| services.database())) {
        (model::Viewer::User(_), _) => false,
        (_, Some(Ok(database))) => identity.needs_setup(database.connection()).await.unwrap_or(false),
        _ => false,
    };
    Ok(AccessInfo {
        viewer,
        guest_mode: identity.guest_mode(),
        oidc_provider: identity.oidc().map(|oidc| oidc.config().label.clone()),
        needs_setup,
    })
}

/// Percent-encodes text for a query parameter such as `?next=` (the same on
/// the server and in the browser; `/` stays readable).
pub fn encode_query_value(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// `/sign-in?next=<target>`.
pub fn sign_in_href(target: &str) -> String {
    format!("/sign-in?next={}", encode_query_value(target))
}

pub type AccessResource = OnceResource<Result<AccessInfo, AppError>>;

/// Loads the access info for this page load and shares it with every page.
pub fn provide_access() -> AccessResource {
    let access = OnceResource::new(load_access_info());
    provide_context(access);
    access
}

/// The access info the shell loaded.
pub fn use_access() -> AccessResource {
    use_context::<AccessResource>().unwrap_or_else(provide_access)
}

/// Server-side helpers for server functions and pages.
#[cfg(feature = "ssr")]
pub mod server {
    use crate::error::AppError;
    use domain::identity::access::{Action, Principal, Resource};
    use domain::identity::sessions::Client;
    use domain::{Database, Identity};
    use leptos::prelude::use_context;

    /// The principal behind the current request, if any.
    pub fn principal() -> Option<Principal> {
        use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<Principal>().cloned())
    }

    /// Where the current request came from (for the audit log).
    pub fn client() -> Client {
        use_context::<http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<Client>().cloned())
            .unwrap_or_default()
    }

    pub fn identity() -> Result<Identity, AppError> {
        use_context::<Identity>().ok_or(AppError::Internal)
    }

    pub fn database() -> Result<Database, AppError> {
        let services = use_context::<domain::Services>().ok_or(AppError::Internal)?;
        Ok(services.database()?)
    }

    /// The signed-in principal, or 401.
    pub fn signed_in() -> Result<Principal, AppError> {
        match principal() {
            Some(principal @ Principal::User(_)) => Ok(principal),
            _ => {
                let error = AppError::Unauthorized("sign in to do this".to_owned());
                error.set_response_status();
                Err(error)
            }
        }
    }

    pub fn catalog() -> Result<domain::Catalog, AppError> {
        use_context::<domain::Catalog>().ok_or(AppError::Internal)
    }

    /// Who is looking at the catalog: their ownership claims and stars.
    pub async fn catalog_viewer() -> Result<domain::catalog::browse::Viewer, AppError> {
        let Some(Principal::User(user)) = principal() else { return Ok(Default::default()) };
        let catalog = catalog()?;
        let claims = catalog.ownership_claims(&user);
        let database = database()?;
        let starred = domain::catalog::stars::starred(database.connection(), &user.id).await?;
        Ok(domain::catalog::browse::Viewer { claims: (!claims.is_empty()).then_some(claims), starred: Some(starred) })
    }

    /// Who acts in the current request: principal, identity service and
    /// address, for domain actions that check permission and write the audit log.
    pub struct Actor {
        identity: Identity,
        principal: Option<Principal>,
        ip: Option<String>,
    }

    impl Actor {
        pub fn caller(&self) -> domain::catalog::actions::Caller<'_> {
            domain::catalog::actions::Caller {
                identity: &self.identity,
                principal: self.principal.as_ref(),
                ip: self.ip.as_deref(),
            }
        }
    }

    pub fn actor() -> Result<Actor, AppError> {
        Ok(Actor { identity: identity()?, principal: principal(), ip: client().ip })
    }

    /// Checks the access policy for the current principal; refusals set 401/403.
    pub fn authorize(action: Action, resource: &Resource) -> Result<Option<Principal>, AppError> {
        let principal = principal();
        identity()?.authorize(principal.as_ref(), action, resource)?;
        Ok(principal)
    }
}
