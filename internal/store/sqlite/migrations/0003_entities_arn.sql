-- Entities selected by ARN (store.ListQuery.ARN): the decision API finds the live sessions of an assumed-role ARN
-- with it, a lookup on the request path that must never scan the sessions of an account.
CREATE INDEX entities_arn ON entities (account, kind, arn, name_key);
