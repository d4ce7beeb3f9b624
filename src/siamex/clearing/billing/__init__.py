"""What TCH charges: clearing fees (`fees`), fines (`fines`) and the month's end (`month_end`)."""
