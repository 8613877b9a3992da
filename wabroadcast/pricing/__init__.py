"""What messages cost: a rate card (country calling code × category → price per message),
estimates before a campaign sends and the charged cost afterwards from status webhooks."""
