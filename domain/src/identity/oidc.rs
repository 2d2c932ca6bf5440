//! Sign-in through any OpenID Connect provider: the authorization code flow
//! with PKCE, configured from the provider's discovery document. The ID token
//! is verified against the provider's published keys (issuer, audience,
//! expiry, nonce); the email comes from the token or the userinfo endpoint.
//!
//! Logins in flight are kept in the database, so the callback may reach any
//! replica.

use crate::error::{DomainError, Result};
use crate::identity::secrets::{hash_secret, pkce_challenge, random_secret};
use chrono::{Duration, Utc};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, Set};
use serde::Deserialize;
use tokio::sync::RwLock;

/// One row of the `oidc_logins` table: a login that left for the provider.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "oidc_logins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// How long a user may take at the provider.
const LOGIN_TIMEOUT: Duration = Duration::minutes(10);

/// How long discovery and keys are trusted before they are fetched again.
const METADATA_TTL: std::time::Duration = std::time::Duration::from_secs(3600);

/// The provider settings from `[auth.oidc]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcConfig {
    /// e.g. `https://accounts.example.com` (discovery is `<issuer>/.well-known/openid-configuration`).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// Scopes to ask for; `openid` is always included.
    pub scopes: Vec<String>,
    /// The sign-in button says "Sign in with <label>".
    pub label: String,
    /// Create a member account for a verified email that has none.
    pub create_users: bool,
}

/// What the provider's discovery document says (the parts Portico uses).
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
}

/// A person the provider vouched for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub subject: String,
    pub email: String,
    pub name: Option<String>,
}

/// A login just started: send the browser to `redirect_url`, and bind the
/// browser to `state` (a short-lived cookie) so nobody else can finish it.
#[derive(Debug)]
pub struct StartedLogin {
    pub redirect_url: String,
    pub state: String,
}

/// A finished login: who, and where they wanted to go.
#[derive(Debug)]
pub struct CompletedLogin {
    pub identity: VerifiedIdentity,
    pub return_to: String,
}

#[derive(Debug)]
struct Metadata {
    discovery: Discovery,
    keys: JwkSet,
    fetched: std::time::Instant,
}

/// A configured provider with its cached metadata.
#[derive(Debug)]
pub struct OidcClient {
    config: OidcConfig,
    http: reqwest::Client,
    metadata: RwLock<Option<std::sync::Arc<Metadata>>>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdClaims {
    sub: String,
    nonce: Option<String>,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

impl OidcClient {
    pub fn new(config: OidcConfig) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Portico/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| DomainError::Upstream(format!("cannot build the HTTP client: {err}")))?;
        Ok(Self { config, http, metadata: RwLock::new(None) })
    }

    pub fn config(&self) -> &OidcConfig {
        &self.config
    }

    /// Starts a login: stores state, nonce and PKCE verifier, and returns the
    /// provider URL to send the browser to.
    pub async fn start_login(
        &self,
        db: &impl ConnectionTrait,
        redirect_uri: &str,
        return_to: &str,
    ) -> Result<StartedLogin> {
        let metadata = self.metadata(false).await?;
        let state = random_secret("");
        let nonce = random_secret("");
        let verifier = random_secret("");
        let now = Utc::now().fixed_offset();
        Entity::delete_many().filter(Column::CreatedAt.lt(now - LOGIN_TIMEOUT)).exec(db).await?;
        let row = ActiveModel {
            state_hash: Set(hash_secret(&state)),
            nonce: Set(nonce.clone()),
            pkce_verifier: Set(verifier.clone()),
            return_to: Set(return_to.to_owned()),
            created_at: Set(now),
        };
        row.insert(db).await?;
        let mut scopes = vec!["openid".to_owned()];
        scopes.extend(self.config.scopes.iter().filter(|scope| scope.as_str() != "openid").cloned());
        let mut url = url::Url::parse(&metadata.discovery.authorization_endpoint).map_err(|err| {
            DomainError::Upstream(format!("the provider's authorization_endpoint is not a URL: {err}"))
        })?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256");
        Ok(StartedLogin { redirect_url: url.into(), state })
    }

    /// Finishes a login at the callback: checks the state, exchanges the code,
    /// verifies the ID token and returns who signed in.
    pub async fn complete_login(
        &self,
        db: &impl ConnectionTrait,
        redirect_uri: &str,
        code: &str,
        state: &str,
    ) -> Result<CompletedLogin> {
        let Some(login) = Entity::find_by_id(hash_secret(state)).one(db).await? else {
            return Err(DomainError::Unauthenticated(
                "this sign-in link is unknown or was already used; start again".to_owned(),
            ));
        };
        Entity::delete_by_id(login.state_hash.clone()).exec(db).await?;
        if Utc::now().fixed_offset() - login.created_at > LOGIN_TIMEOUT {
            return Err(DomainError::Unauthenticated("the sign-in took too long; start again".to_owned()));
        }
        let metadata = self.metadata(false).await?;
        let response = self
            .http
            .post(&metadata.discovery.token_endpoint)
            .basic_auth(&self.config.client_id, Some(&self.config.client_secret))
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", &login.pkce_verifier),
            ])
            .send()
            .await
            .map_err(|err| DomainError::Upstream(format!("cannot reach the identity provider: {err}")))?;
        if !response.status().is_success() {
            let status = response.status();
            let body: String = response.text().await.unwrap_or_default().chars().take(300).collect();
            return Err(DomainError::Upstream(format!("the identity provider refused the code ({status}): {body}")));
        }
        let tokens: TokenResponse = response.json().await.map_err(|err| {
            DomainError::Upstream(format!("the identity provider's token response is invalid: {err}"))
        })?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| DomainError::Upstream("the identity provider sent no id_token".to_owned()))?;
        let claims = self.verify_id_token(&id_token).await?;
        if claims.nonce.as_deref() != Some(login.nonce.as_str()) {
            return Err(DomainError::Unauthenticated("the ID token's nonce does not match this sign-in".to_owned()));
        }
        let identity = match claims.email {
            Some(email) => {
                if claims.email_verified == Some(false) {
                    return Err(DomainError::Forbidden(format!("the provider has not verified {email}")));
                }
                VerifiedIdentity { subject: claims.sub, email: email.to_lowercase(), name: claims.name }
            }
            None => {
                let access_token = tokens.access_token.ok_or_else(|| {
                    DomainError::Upstream("the ID token has no email and there is no access token".to_owned())
                })?;
                self.user_info(&metadata.discovery, &access_token, &claims.sub, claims.name).await?
            }
        };
        Ok(CompletedLogin { identity, return_to: login.return_to })
    }

    async fn user_info(
        &self,
        discovery: &Discovery,
        access_token: &str,
        subject: &str,
        name: Option<String>,
    ) -> Result<VerifiedIdentity> {
        let endpoint = discovery.userinfo_endpoint.as_deref().ok_or_else(|| {
            DomainError::Upstream("the ID token has no email and there is no userinfo endpoint".into())
        })?;
        let info: UserInfo = self
            .http
            .get(endpoint)
            .bearer_auth(access_token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|err| DomainError::Upstream(format!("cannot read the user's profile from the provider: {err}")))?
            .json()
            .await
            .map_err(|err| DomainError::Upstream(format!("the provider's userinfo answer is invalid: {err}")))?;
        if info.sub != subject {
            return Err(DomainError::Upstream("userinfo is about a different subject than the ID token".to_owned()));
        }
        let email = info.email.ok_or_else(|| {
            DomainError::Forbidden("the identity provider shares no email address; Portico needs one".to_owned())
        })?;
        if info.email_verified == Some(false) {
            return Err(DomainError::Forbidden(format!("the provider has not verified {email}")));
        }
        Ok(VerifiedIdentity { subject: info.sub, email: email.to_lowercase(), name: info.name.or(name) })
    }

    async fn verify_id_token(&self, id_token: &str) -> Result<IdClaims> {
        let header = jsonwebtoken::decode_header(id_token)
            .map_err(|err| DomainError::Upstream(format!("the ID token is malformed: {err}")))?;
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(DomainError::Upstream("ID tokens signed with a shared secret are not accepted".to_owned()));
        }
        let mut metadata = self.metadata(false).await?;
        let mut jwk = find_key(&metadata.keys, header.kid.as_deref()).cloned();
        if jwk.is_none() {
            // The provider may have rotated its keys since they were cached.
            metadata = self.metadata(true).await?;
            jwk = find_key(&metadata.keys, header.kid.as_deref()).cloned();
        }
        let jwk = jwk.ok_or_else(|| DomainError::Upstream("no published key matches the ID token".to_owned()))?;
        let key = DecodingKey::from_jwk(&jwk)
            .map_err(|err| DomainError::Upstream(format!("the provider's signing key is unusable: {err}")))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[metadata.discovery.issuer.as_str()]);
        validation.set_audience(&[self.config.client_id.as_str()]);
        validation.leeway = 60;
        jsonwebtoken::decode::<IdClaims>(id_token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|err| DomainError::Unauthenticated(format!("the ID token is not valid: {err}")))
    }

    async fn metadata(&self, refresh: bool) -> Result<std::sync::Arc<Metadata>> {
        if !refresh {
            if let Some(metadata) = self.metadata.read().await.as_ref() {
                if metadata.fetched.elapsed() < METADATA_TTL {
                    return Ok(metadata.clone());
                }
            }
        }
        let discovery_url = format!("{}/.well-known/openid-configuration", self.config.issuer.trim_end_matches('/'));
        let discovery: Discovery = self.fetch_json(&discovery_url, "discovery document").await?;
        if discovery.issuer.trim_end_matches('/') != self.config.issuer.trim_end_matches('/') {
            return Err(DomainError::Upstream(format!(
                "the discovery document names issuer {} but Portico is configured for {}",
                discovery.issuer, self.config.issuer
            )));
        }
        let keys: JwkSet = self.fetch_json(&discovery.jwks_uri, "signing keys (jwks_uri)").await?;
        let metadata = std::sync::Arc::new(Metadata { discovery, keys, fetched: std::time::Instant::now() });
        *self.metadata.write().await = Some(metadata.clone());
        Ok(metadata)
    }

    async fn fetch_json<T: serde::de::DeserializeOwned>(&self, url: &str, what: &str) -> Result<T> {
        self.http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|err| {
                DomainError::Upstream(format!("cannot fetch the identity provider's {what} from {url}: {err}"))
            })?
            .json()
            .await
            .map_err(|err| DomainError::Upstream(format!("the identity provider's {what} at {url} is invalid: {err}")))
    }
}

fn find_key<'a>(keys: &'a JwkSet, kid: Option<&str>) -> Option<&'a jsonwebtoken::jwk::Jwk> {
    match kid {
        Some(kid) => keys.find(kid),
        None => keys.keys.first(),
    }
}
