//! Switchyard's sandbox: partner simulators (Salesforce org, webhook receiver), the legacy
//! edge-case catalog and the replay engine. Empty until the [salesforce] and [sandbox] work.
