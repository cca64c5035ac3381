/**
 * Where raw mail lives in the mail bucket. The CDK stack (lifecycle rules, IAM scoped to each
 * prefix), the stages and the local gateway all read these, so none of them restates a key.
 */
export const INCOMING_PREFIX = 'incoming/';
export const QUARANTINE_PREFIX = 'quarantine/';
export const ARCHIVE_PREFIX = 'archive/';
