//! The webhook adapter passes the conformance kit, in both per-event and batch mode.

use std::sync::Arc;
use std::time::Duration;

use switchyard_adapters::conformance::{self, ConformanceSubject};
use switchyard_adapters::webhook::DeliveryMode;
use switchyard_adapters::{Adapter, BoxFuture, DeliveryItem};
use wiremock::matchers::{header, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support;

struct WebhookSubject(DeliveryMode);

impl ConformanceSubject for WebhookSubject {
    fn build(&self, server: &MockServer, timeout: Duration) -> Arc<dyn Adapter> {
        Arc::new(support::adapter(support::config(server, self.0, timeout)))
    }

    fn mount<'a>(
        &'a self,
        server: &'a MockServer,
        item: Option<&'a DeliveryItem>,
        response: ResponseTemplate,
    ) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let mock = Mock::given(method("POST"));
            // In per-event mode each request carries its item's delivery id as webhook-id.
            let mock = match item {
                Some(item) => mock.and(header("webhook-id", item.delivery_id.as_str())),
                None => mock,
            };
            mock.respond_with(response).mount(server).await;
        })
    }

    fn per_item_outcomes(&self) -> bool {
        self.0 == DeliveryMode::PerEvent
    }
}

macro_rules! scenario_tests {
    ($($name:ident),* $(,)?) => {
        mod per_event {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                if let Err(failure) = conformance::$name(&WebhookSubject(DeliveryMode::PerEvent)).await {
                    panic!("{failure:#?}");
                }
            })*
        }
        mod batch {
            use super::*;
            $(#[tokio::test]
            async fn $name() {
                if let Err(failure) = conformance::$name(&WebhookSubject(DeliveryMode::Batch)).await {
                    panic!("{failure:#?}");
                }
            })*
        }
    };
}

scenario_tests!(
    empty_batch,
    success,
    partial_batch_failure,
    too_many_requests,
    server_error,
    timeout,
    client_rejection,
    bad_credentials,
);

#[tokio::test]
async fn run_all_reports_no_failures() {
    assert_eq!(conformance::run_all(&WebhookSubject(DeliveryMode::PerEvent)).await, vec![]);
}
