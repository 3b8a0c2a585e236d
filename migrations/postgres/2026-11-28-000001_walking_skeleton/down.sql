DROP TABLE incidents;
DROP SEQUENCE ticket_number_seq;
DROP TABLE services;
DROP TABLE api_clients;
DROP TABLE users;
DROP TABLE customers;
