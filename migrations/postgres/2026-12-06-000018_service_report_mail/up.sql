-- Service reviews (issue 23): contacts may receive last month's service report by email, and
-- each company's report for a month is sent at most once, whichever instance sends it: the
-- sender claims (customer, month) here in the transaction that writes the mail's event.
ALTER TABLE contacts ADD COLUMN notify_service_reports BOOLEAN NOT NULL DEFAULT FALSE;
CREATE TABLE service_report_runs (
    customer_number TEXT NOT NULL,
    month TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_number, month)
);
