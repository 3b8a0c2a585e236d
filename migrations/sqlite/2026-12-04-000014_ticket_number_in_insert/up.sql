-- A ticket takes its number in the INSERT that stores it ((SELECT last_value + 1 ...)); this
-- trigger moves the counter up in the same statement. Major incidents still take theirs first
-- (UPDATE ... RETURNING) and insert it: the counter is then already there, and stays.
CREATE TRIGGER incidents_take_ticket_number AFTER INSERT ON incidents
WHEN NEW.ticket_number > (SELECT last_value FROM ticket_sequence WHERE id = 1)
BEGIN
    UPDATE ticket_sequence SET last_value = NEW.ticket_number WHERE id = 1;
END;
