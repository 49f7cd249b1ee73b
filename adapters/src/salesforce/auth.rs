//! The session every data call uses (access token + `instance_url`), cached and renewed once
//! on `INVALID_SESSION_ID`, from either flow: client credentials through the `oauth2` crate
//! over the workspace's reqwest, or the JWT bearer flow (`jwt_bearer`), which oauth2 lacks.

use std::sync::Arc;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AsyncHttpClient, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields, HttpRequest,
    HttpResponse, RequestTokenError, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use url::Url;

use crate::salesforce::classify::TokenFailure;
use crate::salesforce::credentials::Credentials;
use crate::salesforce::jwt_bearer::JwtBearer;

/// Salesforce's non-standard token response fields.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct SalesforceTokenFields {
    /// Where every API call of this session goes.
    pub instance_url: String,
}

impl ExtraTokenFields for SalesforceTokenFields {}

type SalesforceTokenResponse = StandardTokenResponse<SalesforceTokenFields, BasicTokenType>;

type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    SalesforceTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// A live session: the bearer token and the org's instance URL.
#[derive(Debug)]
pub struct Session {
    pub(crate) access_token: SecretString,
    pub(crate) instance_url: Url,
}

/// oauth2's HTTP client over the adapter's reqwest client (same timeout, guarded resolver,
/// no redirects). 408, 429 and 5xx become errors so the caller can tell an unavailable token
/// endpoint from a refusal (oauth2 itself only sees "not 200").
#[derive(Debug, Clone)]
pub struct OAuthHttp(pub reqwest::Client);

/// A token call that got no usable HTTP answer.
#[derive(Debug, thiserror::Error)]
pub enum OAuthHttpError {
    #[error("token request failed")]
    Transport(#[source] reqwest::Error),
    #[error("token endpoint answered {0}")]
    Unavailable(u16),
    #[error("token request could not be built")]
    Build(#[source] oauth2::http::Error),
}

impl<'c> AsyncHttpClient<'c> for OAuthHttp {
    type Error = OAuthHttpError;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(OAuthHttpError::Transport)?;
            let response =
                self.0.execute(request).await.map_err(|err| OAuthHttpError::Transport(err.without_url()))?;
            let status = response.status();
            if matches!(status.as_u16(), 408 | 429) || status.is_server_error() {
                return Err(OAuthHttpError::Unavailable(status.as_u16()));
            }
            let mut builder = oauth2::http::Response::builder().status(status);
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await.map_err(|err| OAuthHttpError::Transport(err.without_url()))?;
            builder.body(body.to_vec()).map_err(OAuthHttpError::Build)
        })
    }
}

/// How sessions are obtained.
#[derive(Debug)]
enum Flow {
    ClientCredentials(Box<OAuthClient>),
    JwtBearer(JwtBearer),
}

/// Fetches and caches the session; one fetch at a time, so a burst of expired calls costs
/// one token request.
#[derive(Debug)]
pub struct TokenSource {
    flow: Flow,
    http: OAuthHttp,
    cached: Mutex<Option<Arc<Session>>>,
}

impl TokenSource {
    /// A source for the connected app `client_id`, with the flow `credentials` chose.
    pub fn new(token_url: &Url, client_id: &str, credentials: &Credentials, http: reqwest::Client) -> Self {
        let flow = match credentials {
            Credentials::ClientCredentials { client_secret } => Flow::ClientCredentials(Box::new(
                oauth2::Client::new(ClientId::new(client_id.to_owned()))
                    .set_client_secret(ClientSecret::new(client_secret.expose_secret().to_owned()))
                    .set_token_uri(TokenUrl::from_url(token_url.clone())),
            )),
            Credentials::JwtBearer { username, audience, key } => {
                Flow::JwtBearer(JwtBearer::new(token_url, client_id, username, audience, key))
            }
        };
        Self { flow, http: OAuthHttp(http), cached: Mutex::new(None) }
    }

    /// The cached session, or a new one.
    pub async fn session(&self) -> Result<Arc<Session>, TokenFailure> {
        let mut cached = self.cached.lock().await;
        if let Some(session) = cached.as_ref() {
            return Ok(Arc::clone(session));
        }
        let session = Arc::new(self.fetch().await?);
        *cached = Some(Arc::clone(&session));
        Ok(session)
    }

    /// A new session to replace `stale`, which Salesforce refused. When another call already
    /// replaced it, that newer session is returned without a second token request.
    pub async fn renew(&self, stale: &Arc<Session>) -> Result<Arc<Session>, TokenFailure> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref()
            && !Arc::ptr_eq(current, stale)
        {
            return Ok(Arc::clone(current));
        }
        *cached = None;
        let session = Arc::new(self.fetch().await?);
        *cached = Some(Arc::clone(&session));
        Ok(session)
    }

    async fn fetch(&self) -> Result<Session, TokenFailure> {
        let (access_token, instance_url) = match &self.flow {
            Flow::ClientCredentials(client) => {
                let response = client.exchange_client_credentials().request_async(&self.http).await;
                let token = response.map_err(|err| token_failure(&err))?;
                (token.access_token().secret().to_owned(), token.extra_fields().instance_url.clone())
            }
            Flow::JwtBearer(flow) => flow.fetch(&self.http.0).await?,
        };
        let instance_url = parse_instance_url(&instance_url)?;
        tracing::debug!(instance = %instance_url.host_str().unwrap_or_default(), "fetched a Salesforce access token");
        Ok(Session { access_token: SecretString::from(access_token), instance_url })
    }
}

/// The token response's `instance_url`, which must be an http(s) URL with a host.
fn parse_instance_url(raw: &str) -> Result<Url, TokenFailure> {
    Url::parse(raw)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host_str().is_some())
        .ok_or(TokenFailure::Unreadable)
}

fn token_failure(err: &RequestTokenError<OAuthHttpError, BasicErrorResponse>) -> TokenFailure {
    match err {
        RequestTokenError::ServerResponse(response) => {
            // Only the OAuth error code: descriptions may echo what was sent.
            TokenFailure::Refused { error: response.error().as_ref().to_owned() }
        }
        RequestTokenError::Request(OAuthHttpError::Unavailable(status)) => {
            TokenFailure::Unavailable { status: *status }
        }
        RequestTokenError::Request(OAuthHttpError::Transport(err)) if err.is_timeout() => {
            TokenFailure::Timeout
        }
        RequestTokenError::Request(OAuthHttpError::Transport(err)) if err.is_connect() => {
            TokenFailure::Connect
        }
        RequestTokenError::Request(_) | RequestTokenError::Parse(..) | RequestTokenError::Other(_) => {
            TokenFailure::Unreadable
        }
    }
}
