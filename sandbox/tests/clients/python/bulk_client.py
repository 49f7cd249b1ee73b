"""simple-salesforce against the Switchyard org simulator: a token by client credentials,
an upsert by external id, a Bulk API 2.0 upsert job of a few hundred Contacts (twice), its
result files, and a SOQL query back, asserting what each step must give.

Run by sandbox/tests/it/python_client.rs with SIM_BASE_URL, SIM_CLIENT_ID and
SIM_CLIENT_SECRET set. simple-salesforce always builds https:// URLs from the instance; the
simulator speaks plain HTTP on loopback, so the session rewrites that one origin's scheme and
nothing else about the client changes.
"""

import csv
import io
import os
import sys
from urllib.parse import urlparse

import requests
from simple_salesforce import Salesforce

BASE_URL = os.environ["SIM_BASE_URL"].rstrip("/")
CONTACTS = 300
BAD_EMAILS = {17, 101, 250}


class LoopbackSession(requests.Session):
    """Sends the client's https://<simulator> requests to http://<simulator>."""

    def __init__(self, base_url):
        super().__init__()
        self.https_origin = "https://" + urlparse(base_url).netloc
        self.http_origin = base_url

    def request(self, method, url, *args, **kwargs):
        if url.startswith(self.https_origin):
            url = self.http_origin + url[len(self.https_origin):]
        return super().request(method, url, *args, **kwargs)


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def token():
    response = requests.post(
        f"{BASE_URL}/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": os.environ["SIM_CLIENT_ID"],
            "client_secret": os.environ["SIM_CLIENT_SECRET"],
        },
        timeout=10,
    )
    check(response.status_code == 200, f"token: {response.status_code} {response.text}")
    return response.json()


def contacts():
    """The job's records; simple-salesforce writes them as CSV (a comma in a value included)."""
    return [
        {
            "Legacy_Id__c": f"py-bulk-{i}",
            "Platform_User_Id__c": f"u-py-bulk-{i}",
            "LastName": "Nakamura, Jr.",
            "FirstName": "Ren",
            "Email": "not-an-email" if i in BAD_EMAILS else f"learner.{i}@example.com",
            "Learner_Status__c": "Active",
        }
        for i in range(CONTACTS)
    ]


def rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def bulk_upsert(sf):
    results = sf.bulk2.Contact.upsert(records=contacts(), external_id_field="Legacy_Id__c", wait=0.1)
    check(len(results) == 1, f"one job: {results}")
    job = results[0]
    check(job["numberRecordsProcessed"] == CONTACTS, f"processed: {job}")
    check(job["numberRecordsFailed"] == len(BAD_EMAILS), f"failed: {job}")
    job_id = job["job_id"]
    succeeded = rows(sf.bulk2.Contact.get_successful_records(job_id))
    failed = rows(sf.bulk2.Contact.get_failed_records(job_id))
    unprocessed = rows(sf.bulk2.Contact.get_unprocessed_records(job_id))
    check(len(succeeded) == CONTACTS - len(BAD_EMAILS), f"{len(succeeded)} successful rows")
    check(all(row["sf__Id"].startswith("003") for row in succeeded), "successful rows carry ids")
    check(all(row["LastName"] == "Nakamura, Jr." for row in succeeded), "original columns come back")
    check(len(failed) == len(BAD_EMAILS), f"{len(failed)} failed rows")
    check(all(row["sf__Error"].startswith("INVALID_EMAIL_ADDRESS:") for row in failed), f"errors: {failed}")
    check(unprocessed == [], f"unprocessed: {unprocessed}")
    return succeeded


def main():
    session = token()
    sf = Salesforce(
        instance_url=session["instance_url"],
        session_id=session["access_token"],
        version="60.0",
        session=LoopbackSession(BASE_URL),
    )

    status = sf.Contact.upsert(
        "Legacy_Id__c/py-1",
        {"Platform_User_Id__c": "u-py-1", "LastName": "Okafor", "Email": "ada@example.com", "Learner_Status__c": "Active"},
    )
    check(status == 201, f"first upsert creates: {status}")
    status = sf.Contact.upsert("Legacy_Id__c/py-1", {"FirstName": "Ada"})
    check(status in (200, 204), f"second upsert updates: {status}")

    first = bulk_upsert(sf)
    check(all(row["sf__Created"] == "true" for row in first), "the first job creates")
    second = bulk_upsert(sf)
    check(all(row["sf__Created"] == "false" for row in second), "the second job updates by external id")
    check({r["sf__Id"] for r in first} == {r["sf__Id"] for r in second}, "the same records")

    found = sf.query_all("SELECT Id, Legacy_Id__c, FirstName FROM Contact WHERE Learner_Status__c = 'Active'")
    check(found["totalSize"] == 1 + CONTACTS - len(BAD_EMAILS), f"query found {found['totalSize']}")
    one = sf.query("SELECT Id, FirstName FROM Contact WHERE Legacy_Id__c = 'py-1'")
    check(one["totalSize"] == 1 and one["records"][0]["FirstName"] == "Ada", f"py-1: {one}")
    print("python client: upsert, two Bulk jobs and queries ok")


if __name__ == "__main__":
    main()
