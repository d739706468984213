"""The sample hall (hall.json) and one terminal configuration per role, for the demo and the tests."""
