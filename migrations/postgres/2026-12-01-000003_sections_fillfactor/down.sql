ALTER TABLE sections RESET (fillfactor);
