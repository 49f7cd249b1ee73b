//! Bulk API 2.0 ingest jobs: the job lifecycle over HTTP, per-row results in the result CSVs
//! through the org's rules and flows (the same state a Collections call leaves), upsert by
//! external id across jobs, Salesforce's error shapes, and abort.

use serde_json::{Value, json};
use switchyard_sandbox::salesforce::{JobState, OrgConfig};

use crate::helpers::{Org, json, org, org_with};

const CONTACT_HEADER: &str =
    "Legacy_Id__c,Platform_User_Id__c,LastName,FirstName,Email,Learner_Status__c,MailingCountryCode";

/// A valid Contact row with this legacy id (and country, when given).
fn contact_row(legacy_id: &str, country: &str) -> String {
    format!("{legacy_id},u-{legacy_id},Doe,Jo,jo.{legacy_id}@example.com,Active,{country}")
}

impl Org {
    async fn create_job(&self, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(self.url("/jobs/ingest"))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .expect("POST");
        json(response).await
    }

    async fn upload(&self, id: &str, csv: &str) -> reqwest::Response {
        self.http
            .put(self.url(&format!("/jobs/ingest/{id}/batches")))
            .bearer_auth(&self.token)
            .header("Content-Type", "text/csv")
            .body(csv.to_owned())
            .send()
            .await
            .expect("PUT")
    }

    async fn set_job_state(&self, id: &str, state: &str) -> (u16, Value) {
        let response = self
            .http
            .patch(self.url(&format!("/jobs/ingest/{id}")))
            .bearer_auth(&self.token)
            .json(&json!({"state": state}))
            .send()
            .await
            .expect("PATCH");
        json(response).await
    }

    async fn result_csv(&self, id: &str, kind: &str) -> (u16, Vec<Vec<String>>) {
        let response = self.get(&format!("/jobs/ingest/{id}/{kind}/")).await;
        let status = response.status().as_u16();
        let text = response.text().await.expect("text");
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
        let rows =
            reader.records().map(|r| r.expect("CSV row").iter().map(str::to_owned).collect()).collect();
        (status, rows)
    }

    /// Creates an upsert job, uploads `csv`, closes it and waits for its end; returns its id
    /// and final info.
    async fn run_job(&self, object: &str, csv: &str) -> (String, Value) {
        let (status, job) = self
            .create_job(
                json!({"object": object, "operation": "upsert", "externalIdFieldName": "Legacy_Id__c",
                "contentType": "CSV", "lineEnding": "LF", "columnDelimiter": "COMMA"}),
            )
            .await;
        assert_eq!(status, 200, "{job}");
        assert_eq!(job["state"], "Open");
        let id = job["id"].as_str().expect("job id").to_owned();
        let upload = self.upload(&id, csv).await;
        assert_eq!(upload.status(), 201);
        assert!(upload.text().await.expect("body").is_empty(), "an upload answers 201 with an empty body");
        let (status, closed) = self.set_job_state(&id, "UploadComplete").await;
        assert_eq!((status, closed["state"].as_str()), (200, Some("UploadComplete")));
        assert_eq!(self.sim.job_finished(&id).await, Some(JobState::JobComplete));
        let (status, info) = json(self.get(&format!("/jobs/ingest/{id}")).await).await;
        assert_eq!(status, 200);
        (id, info)
    }
}

fn column<'a>(rows: &'a [Vec<String>], name: &str) -> Vec<&'a str> {
    let position = rows[0].iter().position(|c| c == name).unwrap_or_else(|| panic!("no column {name}"));
    rows[1..].iter().map(|row| row[position].as_str()).collect()
}

#[tokio::test]
async fn a_job_with_mixed_results_reports_each_row_in_the_right_file() {
    let org = org().await;
    let mut csv = format!("{CONTACT_HEADER}\n");
    csv += &format!("{}\n", contact_row("c1", "DE"));
    csv += &format!("{}\n", contact_row("c2", "")); // no country: the enrollment flow will fail silently
    csv += "c3,u-c3,Doe,Jo,not-an-email,Active,DE\n";
    csv += "c4,u-c4,,Jo,jo.c4@example.com,Active,DE\n";
    csv += "c5,u-c5,Doe,Jo,JO.C1@example.com,Active,DE\n"; // c1's email: the duplicate rule
    let (id, info) = org.run_job("Contact", &csv).await;
    assert_eq!(info["numberRecordsProcessed"], 5);
    assert_eq!(info["numberRecordsFailed"], 3);
    for field in ["createdDate", "systemModstamp", "apiVersion", "contentType", "operation", "object"] {
        assert!(info.get(field).is_some(), "job info has {field}: {info}");
    }

    let (status, ok) = org.result_csv(&id, "successfulResults").await;
    assert_eq!(status, 200);
    assert_eq!(&ok[0][..3], ["sf__Id", "sf__Created", "Legacy_Id__c"]);
    assert_eq!(column(&ok, "Legacy_Id__c"), ["c1", "c2"]);
    assert_eq!(column(&ok, "sf__Created"), ["true", "true"]);
    let stored: Vec<Value> = org.sim.records("Contact").into_iter().map(|r| r["Id"].clone()).collect();
    assert_eq!(column(&ok, "sf__Id"), stored.iter().map(|v| v.as_str().unwrap()).collect::<Vec<_>>());

    let (_, failed) = org.result_csv(&id, "failedResults").await;
    assert_eq!(&failed[0][..3], ["sf__Id", "sf__Error", "Legacy_Id__c"]);
    assert_eq!(column(&failed, "Legacy_Id__c"), ["c3", "c4", "c5"]);
    let errors = column(&failed, "sf__Error");
    assert_eq!(errors[0], "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --");
    assert_eq!(errors[1], "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --");
    assert!(errors[2].starts_with("DUPLICATES_DETECTED:"), "{}", errors[2]);
    assert_eq!(column(&failed, "Email")[0], "not-an-email", "the original columns follow");

    // Enrollments looked up by their Contact's external id; one names no existing Contact.
    let enrollments = "Legacy_Id__c,Contact__r.Legacy_Id__c,Course_Code__c,Source_Status__c,Enrolled_On__c,Price__c,Currency__c\n\
        e1,c1,C-101,Active,2024-03-01T10:00:00Z,49.5,EUR\n\
        e2,c2,C-101,Active,2024-03-01T10:00:00Z,49.5,EUR\n\
        e3,nobody,C-101,Active,2024-03-01T10:00:00Z,49.5,EUR\n\
        e4,c1,C-102,Active,2024-03-01T10:00:00Z,-1,EUR\n";
    let (id, info) = org.run_job("Enrollment__c", enrollments).await;
    assert_eq!(
        (info["numberRecordsProcessed"].as_u64(), info["numberRecordsFailed"].as_u64()),
        (Some(4), Some(2))
    );
    let (_, failed) = org.result_csv(&id, "failedResults").await;
    let errors = column(&failed, "sf__Error");
    assert!(errors[0].starts_with("INVALID_CROSS_REFERENCE_KEY:"), "{}", errors[0]);
    assert!(
        errors[1].starts_with("FIELD_CUSTOM_VALIDATION_EXCEPTION:Price cannot be negative."),
        "{}",
        errors[1]
    );
    let stored = org.sim.records("Enrollment__c");
    let contacts = org.sim.records("Contact");
    assert_eq!(stored[0]["Contact__c"], contacts[0]["Id"], "the lookup resolved by external id");
    assert_eq!(stored[0]["Status__c"], "Active", "the flow ran");
    // The silent failure: saved, reported as success, but never activated.
    assert!(stored[1].get("Status__c").is_none_or(Value::is_null), "{:?}", stored[1]);
    assert_eq!(org.sim.records("Flow_Error__c").len(), 1);
}

#[tokio::test]
async fn a_job_leaves_the_org_as_a_collections_call_of_the_same_records_does() {
    let rows =
        [contact_row("c1", "DE"), "c2,u-c2,,Jo,jo.c2@example.com,Active,DE".into(), contact_row("c3", "")];
    let bulk = org().await;
    bulk.run_job("Contact", &format!("{CONTACT_HEADER}\n{}\n", rows.join("\n"))).await;

    let rest = org().await;
    let header: Vec<&str> = CONTACT_HEADER.split(',').collect();
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut record = json!({"attributes": {"type": "Contact"}});
            for (name, value) in header.iter().zip(row.split(',')) {
                if !value.is_empty() {
                    record[*name] = json!(value);
                }
            }
            record
        })
        .collect();
    let (status, _) =
        json(rest.patch("/composite/sobjects/Contact/Legacy_Id__c", json!({"records": records})).await).await;
    assert_eq!(status, 200);
    assert_eq!(bulk.sim.records("Contact"), rest.sim.records("Contact"));
    assert_eq!(bulk.sim.records("Contact").len(), 2);
}

#[tokio::test]
async fn a_second_job_updates_by_external_id() {
    let org = org().await;
    let (first, _) =
        org.run_job("Contact", &format!("{CONTACT_HEADER}\n{}\n", contact_row("c1", "DE"))).await;
    let (_, created) = org.result_csv(&first, "successfulResults").await;
    let changed = "Legacy_Id__c,FirstName,MailingCountryCode\nc1,Adaeze,#N/A\n";
    let (second, info) = org.run_job("Contact", changed).await;
    assert_eq!(info["numberRecordsFailed"], 0);
    let (_, updated) = org.result_csv(&second, "successfulResults").await;
    assert_eq!(column(&updated, "sf__Created"), ["false"]);
    assert_eq!(column(&updated, "sf__Id"), column(&created, "sf__Id"));
    let records = org.sim.records("Contact");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["FirstName"], "Adaeze");
    assert_eq!(records[0]["LastName"], "Doe", "an absent column leaves the field alone");
    assert_eq!(records[0]["MailingCountryCode"], Value::Null, "#N/A clears the field");
}

#[tokio::test]
async fn other_delimiters_line_endings_and_operations_work() {
    let org = org().await;
    let (_, job) = org
        .create_job(json!({"object": "Contact", "operation": "insert", "contentType": "CSV",
            "lineEnding": "CRLF", "columnDelimiter": "SEMICOLON"}))
        .await;
    let id = job["id"].as_str().unwrap().to_owned();
    let csv = "Legacy_Id__c;Platform_User_Id__c;LastName;Learner_Status__c\r\nc1;u-c1;\"Doe; Jr\";Active\r\n";
    assert_eq!(org.upload(&id, csv).await.status(), 201);
    org.set_job_state(&id, "UploadComplete").await;
    assert_eq!(org.sim.job_finished(&id).await, Some(JobState::JobComplete));
    let response = org.get(&format!("/jobs/ingest/{id}/successfulResults")).await;
    let text = response.text().await.unwrap();
    assert!(text.starts_with("sf__Id;sf__Created;Legacy_Id__c"), "{text}");
    assert!(text.ends_with("\"Doe; Jr\";Active\r\n"), "{text:?}");
    let contact_id = org.sim.records("Contact")[0]["Id"].as_str().unwrap().to_owned();

    let (_, job) = org.create_job(json!({"object": "Contact", "operation": "update"})).await;
    let id = job["id"].as_str().unwrap().to_owned();
    org.upload(&id, &format!("Id,FirstName\n{contact_id},Ada\n003000000000000AAA,Nobody\n")).await;
    org.set_job_state(&id, "UploadComplete").await;
    org.sim.job_finished(&id).await;
    let (_, failed) = org.result_csv(&id, "failedResults").await;
    assert_eq!(
        column(&failed, "sf__Error"),
        ["INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:Id --"]
    );
    assert_eq!(org.sim.records("Contact")[0]["FirstName"], "Ada");
}

#[tokio::test]
async fn bad_requests_get_salesforces_error_shapes() {
    let org = org().await;
    let (status, body) = org.create_job(json!({"object": "Contact", "operation": "merge"})).await;
    assert_eq!((status, body[0]["errorCode"].as_str()), (400, Some("INVALIDJOB")));
    let (status, body) = org.create_job(json!({"object": "Contact", "operation": "upsert"})).await;
    assert_eq!(status, 400);
    assert!(body[0]["message"].as_str().unwrap().contains("External ID was blank"), "{body}");
    let (status, body) = org.create_job(json!({"object": "Nope__c", "operation": "insert"})).await;
    assert_eq!((status, body[0]["errorCode"].as_str()), (400, Some("INVALIDJOB")));

    let (status, body) = json(org.get("/jobs/ingest/7505g0000000000AAA").await).await;
    assert_eq!(
        (status, body),
        (404, json!([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]))
    );
    let (status, _) = org.set_job_state("7505g0000000000AAA", "Aborted").await;
    assert_eq!(status, 404);

    // A header naming an unknown field fails the whole job, with its errorMessage.
    let (id, _) = {
        let (_, job) = org
            .create_job(
                json!({"object": "Contact", "operation": "upsert", "externalIdFieldName": "Legacy_Id__c"}),
            )
            .await;
        (job["id"].as_str().unwrap().to_owned(), job)
    };
    let wrong_type = org
        .http
        .put(org.url(&format!("/jobs/ingest/{id}/batches")))
        .bearer_auth(&org.token)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 400);
    org.upload(&id, "Legacy_Id__c,Shoe_Size__c\nc1,44\n").await;
    org.set_job_state(&id, "UploadComplete").await;
    assert_eq!(org.sim.job_finished(&id).await, Some(JobState::Failed));
    let (_, info) = json(org.get(&format!("/jobs/ingest/{id}")).await).await;
    assert_eq!(info["errorMessage"], "InvalidBatch : Field name not found : Shoe_Size__c");
    let (_, unprocessed) = org.result_csv(&id, "unprocessedrecords").await;
    assert_eq!(unprocessed, [vec!["Legacy_Id__c", "Shoe_Size__c"], vec!["c1", "44"]]);

    // Wrong states: uploading to or closing a job that is no longer Open.
    let response = org.upload(&id, "Legacy_Id__c\nc2\n").await;
    let (status, body) = json(response).await;
    assert_eq!((status, body[0]["errorCode"].as_str()), (400, Some("INVALIDJOBSTATE")));
    let (status, body) = org.set_job_state(&id, "UploadComplete").await;
    assert_eq!((status, body[0]["errorCode"].as_str()), (400, Some("INVALIDJOBSTATE")));

    // Unparseable CSV fails the job too.
    let (_, job) = org.create_job(json!({"object": "Contact", "operation": "insert"})).await;
    let id = job["id"].as_str().unwrap().to_owned();
    org.upload(&id, "Legacy_Id__c,LastName\nc1,Doe,extra\n").await;
    org.set_job_state(&id, "UploadComplete").await;
    assert_eq!(org.sim.job_finished(&id).await, Some(JobState::Failed));
    assert!(org.sim.records("Contact").is_empty());
}

#[tokio::test]
async fn an_aborted_job_processes_nothing_and_reports_its_rows_unprocessed() {
    let org = org().await;
    let (_, job) = org
        .create_job(
            json!({"object": "Contact", "operation": "upsert", "externalIdFieldName": "Legacy_Id__c"}),
        )
        .await;
    let id = job["id"].as_str().unwrap().to_owned();
    let (status, _) = org.result_csv(&id, "successfulResults").await;
    assert_eq!(status, 400, "no results while the job is open");
    org.upload(&id, &format!("{CONTACT_HEADER}\n{}\n{}\n", contact_row("c1", "DE"), contact_row("c2", "DE")))
        .await;
    let (status, aborted) = org.set_job_state(&id, "Aborted").await;
    assert_eq!((status, aborted["state"].as_str()), (200, Some("Aborted")));
    assert_eq!(org.sim.job_finished(&id).await, Some(JobState::Aborted));
    let (status, body) = org.set_job_state(&id, "Aborted").await;
    assert_eq!((status, body[0]["errorCode"].as_str()), (400, Some("INVALIDJOBSTATE")));
    assert!(org.sim.records("Contact").is_empty());
    let (_, ok) = org.result_csv(&id, "successfulResults").await;
    assert_eq!(ok.len(), 1, "only the header: {ok:?}");
    let (_, unprocessed) = org.result_csv(&id, "unprocessedRecords").await;
    assert_eq!(column(&unprocessed, "Legacy_Id__c"), ["c1", "c2"]);
    // Aborted right after its close: whatever processing had not reached is unprocessed.
    let (_, job) = org.create_job(json!({"object": "Contact", "operation": "insert"})).await;
    let closed = job["id"].as_str().unwrap().to_owned();
    org.upload(&closed, &format!("{CONTACT_HEADER}\n{}\n", contact_row("c9", "DE"))).await;
    org.set_job_state(&closed, "UploadComplete").await;
    org.set_job_state(&closed, "Aborted").await; // may come too late: then the job completed
    let end = org.sim.job_finished(&closed).await.unwrap();
    let (_, unprocessed) = org.result_csv(&closed, "unprocessedRecords").await;
    let (_, ok) = org.result_csv(&closed, "successfulResults").await;
    assert_eq!(unprocessed.len() + ok.len(), 3, "each row is either processed or unprocessed ({end:?})");
}

#[tokio::test]
async fn jobs_are_listed_inspected_deleted_and_counted() {
    let org = org_with(OrgConfig::e_learning().with_silent_failures(true)).await;
    let before = org.sim.stats().api_calls;
    let (id, _) = org.run_job("Contact", &format!("{CONTACT_HEADER}\n{}\n", contact_row("c1", "DE"))).await;
    // create, upload, close, get: four calls.
    assert_eq!(org.sim.stats().api_calls - before, 4);
    let (status, list) = json(org.get("/jobs/ingest").await).await;
    assert_eq!((status, list["done"].as_bool()), (200, Some(true)));
    assert_eq!(list["records"][0]["id"], id.as_str());
    let jobs = org.sim.bulk_jobs();
    assert_eq!((jobs.len(), jobs[0].state, jobs[0].records_processed), (1, JobState::JobComplete, 1));
    let inspected: Value = org
        .http
        .get(format!("{}/__sim/bulk/jobs", org.sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(inspected[0]["state"], "JobComplete");
    let deleted =
        org.http.delete(org.url(&format!("/jobs/ingest/{id}"))).bearer_auth(&org.token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert!(org.sim.bulk_jobs().is_empty());
    assert_eq!(org.sim.job_finished(&id).await, None);
}
