-- Service reviews (issue 23): a service's availability commitment, in percent over a month
-- (e.g. 99.95); none when the contract gives no figure.
ALTER TABLE services ADD COLUMN availability_target DOUBLE PRECISION;
