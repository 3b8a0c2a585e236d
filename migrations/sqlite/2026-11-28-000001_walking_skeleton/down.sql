DROP TABLE incidents;
DROP TABLE ticket_sequence;
DROP TABLE services;
DROP TABLE api_clients;
DROP TABLE users;
DROP TABLE customers;
