DROP TABLE maintenance_requests;
DROP TABLE planned_work_services;
DROP TABLE planned_works;
