"""The back office's pages, by subject: events (with ticket types and vouchers), orders
(with the dashboard and exports), teams, the door, and the account pages."""
