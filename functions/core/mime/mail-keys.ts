/**
 * Where raw mail lives in the mail bucket. The CDK stack (lifecycle rules, IAM scoped to each
 * prefix), the stages and the local gateway all read these, so none of them restates a key.
 */
export const INCOMING_PREFIX = 'incoming/';
/**
 * Days raw mail is kept under incoming/ (the bucket's lifecycle rule). Readers that may come
 * after it is gone (a report of an old message) check their own records against it first:
 * without s3:ListBucket, S3 answers a GET of a missing key with 403, not 404.
 */
export const INCOMING_RETENTION_DAYS = 30;
export const QUARANTINE_PREFIX = 'quarantine/';
export const ARCHIVE_PREFIX = 'archive/';
