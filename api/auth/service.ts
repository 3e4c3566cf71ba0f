// Login, rotating refresh tokens with reuse detection, and logout; every change audited.
import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { col, fn, Op, where, type Sequelize, type Transaction } from 'sequelize';
import { auditedWrite } from '../../lib/audit';
import { unauthorized } from '../../lib/errors';
import { RefreshToken, User } from '../../models';
import { actorFor, type ClientInfo } from '../request-actor';
import type { PublicUser } from '../users/service';
import { ACCESS_TOKEN_TTL_SECONDS, hashRefreshToken, newRefreshToken, REFRESH_TOKEN_TTL_MS, signAccessToken } from './tokens';

export interface Session {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: PublicUser;
}

/** Verifying against a fixed hash when the email is unknown keeps response times alike. */
let dummyHash: Promise<string> | undefined;

async function issueSession(user: User, familyId: string, client: ClientInfo, jwtSecret: string, transaction: Transaction) {
  const { token, tokenHash } = newRefreshToken();
  const row = await RefreshToken.create(
    { userId: user.id, familyId, tokenHash, expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_MS), createdIp: client.ip ?? null, userAgent: client.userAgent ?? null },
    { transaction },
  );
  const session: Session = {
    accessToken: signAccessToken({ sub: user.id, email: user.email, role: user.role }, jwtSecret),
    refreshToken: token,
    tokenType: 'Bearer',
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    user: user.toPublic(),
  };
  return { session, tokenId: row.id };
}

export async function login(sequelize: Sequelize, jwtSecret: string, email: string, password: string, client: ClientInfo): Promise<Session> {
  const user = await User.findOne({ where: where(fn('lower', col('email')), email.toLowerCase()) });
  dummyHash ??= argon2.hash(randomUUID());
  const valid = await argon2.verify(user?.passwordHash ?? (await dummyHash), password);
  if (!user || !valid || !user.isActive) throw unauthorized('Invalid email or password');

  const outcome = await auditedWrite(
    sequelize,
    { idempotencyKey: `auth.login:${client.requestId}:${randomUUID()}`, actor: actorFor(user.id, client), entityType: 'user', entityId: user.id, action: 'auth.login' },
    async (transaction) => {
      const familyId = randomUUID();
      const { session } = await issueSession(user, familyId, client, jwtSecret, transaction);
      await user.update({ lastLoginAt: new Date() }, { transaction });
      return { result: session, after: { familyId } };
    },
  );
  if (!outcome.applied) throw new Error('login audit key collided');
  return outcome.result;
}

type RefreshOutcome = { session: Session; reason?: undefined } | { session?: undefined; reason: string };

/**
 * Exchanges a refresh token for a new pair. A token that was already rotated is a sign of theft:
 * its whole family is revoked (and that revocation is committed) before answering 401.
 */
export async function refresh(sequelize: Sequelize, jwtSecret: string, token: string, client: ClientInfo): Promise<Session> {
  const known = await RefreshToken.findOne({ where: { tokenHash: hashRefreshToken(token) }, attributes: ['id', 'userId', 'familyId'] });
  if (!known) throw unauthorized('Invalid refresh token');

  const outcome = await auditedWrite<RefreshOutcome>(
    sequelize,
    { idempotencyKey: `auth.refresh:${client.requestId}:${randomUUID()}`, actor: actorFor(known.userId, client), entityType: 'refresh_token_family', entityId: known.familyId, action: 'auth.refresh' },
    async (transaction) => {
      const current = (await RefreshToken.findByPk(known.id, { transaction, lock: transaction.LOCK.UPDATE }))!;
      const user = await User.findByPk(current.userId, { transaction });
      if (current.revokedAt) {
        const [revoked] = await RefreshToken.update(
          { revokedAt: new Date(), revokedReason: 'reuse_detected' },
          { where: { familyId: current.familyId, revokedAt: { [Op.is]: null } }, transaction },
        );
        const reused = current.revokedReason === 'rotated';
        return { result: { reason: reused ? 'Refresh token reuse detected: all sessions of this login were ended' : 'Refresh token was revoked' }, after: { reused, revokedTokens: revoked } };
      }
      if (current.expiresAt.getTime() <= Date.now() || !user?.isActive) {
        return { result: { reason: 'Refresh token expired' }, after: { expired: true } };
      }
      const { session, tokenId } = await issueSession(user, current.familyId, client, jwtSecret, transaction);
      await current.update({ revokedAt: new Date(), revokedReason: 'rotated', replacedById: tokenId }, { transaction });
      return { result: { session }, before: { tokenId: current.id }, after: { tokenId } };
    },
  );
  if (!outcome.applied) throw new Error('refresh audit key collided');
  if (!outcome.result.session) throw unauthorized(outcome.result.reason);
  return outcome.result.session;
}

/** Ends the session of one refresh token (if it is the caller's), or every session of the caller. */
export async function logout(sequelize: Sequelize, userId: string, token: string | undefined, client: ClientInfo): Promise<void> {
  const family = token ? (await RefreshToken.findOne({ where: { tokenHash: hashRefreshToken(token), userId }, attributes: ['familyId'] }))?.familyId : undefined;
  if (token && !family) return; // unknown or someone else's token: nothing to end, and nothing revealed
  await auditedWrite(
    sequelize,
    { idempotencyKey: `auth.logout:${client.requestId}:${randomUUID()}`, actor: actorFor(userId, client), entityType: family ? 'refresh_token_family' : 'user', entityId: family ?? userId, action: 'auth.logout' },
    async (transaction) => {
      const [revoked] = await RefreshToken.update(
        { revokedAt: new Date(), revokedReason: 'logout' },
        { where: { userId, revokedAt: { [Op.is]: null }, ...(family ? { familyId: family } : {}) }, transaction },
      );
      return { result: undefined, after: { revokedTokens: revoked } };
    },
  );
}
