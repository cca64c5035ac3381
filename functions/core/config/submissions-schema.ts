import { z } from 'zod';
import { SUBMISSION_CATEGORIES } from '../submissions/submission.ts';
import { emailAddress } from './fields.ts';

/**
 * Reports of misclassified mail by email: addresses of ours that users forward messages to,
 * as attachments. Each mailbox either files everything under one category, or reads it from
 * the start of the subject ("spam", "not spam", "phishing", "marketing", "not marketing").
 */
export const submissionsSchema = z
  .strictObject({
    mailboxes: z
      .array(
        z.strictObject({
          // Lowercased whole: recipients are matched case-insensitively (as receiving systems do).
          address: emailAddress.transform((address) => address.toLowerCase()),
          category: z.enum(SUBMISSION_CATEGORIES).optional(),
        }),
      )
      .max(10, 'at most 10 submission mailboxes')
      .default([])
      .superRefine((mailboxes, ctx) => {
        const seen = new Set<string>();
        mailboxes.forEach((mailbox, index) => {
          if (seen.has(mailbox.address))
            ctx.addIssue({ code: 'custom', path: [index, 'address'], message: 'is listed twice' });
          seen.add(mailbox.address);
        });
      }),
  })
  .default({ mailboxes: [] });

export type SubmissionsConfig = z.output<typeof submissionsSchema>;
