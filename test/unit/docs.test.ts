/** The docs are part of the contract: every stable code and message type must be documented. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, ExitCodes } from '../../src/errors.js';
import { CLIENT_MESSAGE_TYPES, SERVER_MESSAGE_TYPES } from '../../src/signaling/protocol.js';
import { CloseCodes } from '../../src/signaling/server/close-codes.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const protocol = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');

describe('documentation', () => {
  it.each(Object.values(ErrorCodes))('README lists error code %s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  it.each(Object.values(ExitCodes))('README lists exit code %i', (code) => {
    expect(readme).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
  });

  it.each(Object.values(CloseCodes))('docs/protocol.md lists close code %i', (code) => {
    expect(protocol).toMatch(new RegExp(`^\\| ${code} +\\|`, 'm'));
  });

  it.each([...new Set([...CLIENT_MESSAGE_TYPES, ...SERVER_MESSAGE_TYPES])])(
    'docs/protocol.md documents message type %s',
    (type) => {
      expect(protocol).toMatch(new RegExp(`^\\| \`${type}\` +\\|`, 'm'));
    },
  );
});
