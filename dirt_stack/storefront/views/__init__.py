"""The storefront's pages: events (lists, event and organizer pages), checkout and orders, payments."""
