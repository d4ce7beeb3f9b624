"""A clearing day: its instructions read and checked (`instructions`), the risk-collateral
steps (`collateral`) and the day's steps in the order of the timetable (`run`)."""
