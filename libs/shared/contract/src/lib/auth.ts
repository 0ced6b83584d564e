export const USER_ROLES = ['admin', 'member'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export interface UserView {
  id: string;
  username: string;
  role: UserRole;
}

export interface LoginRequest {
  username: string;
  password: string;
}

/** `POST /api/auth/login`, `GET /api/auth/me`. */
export interface AuthUserResponse {
  user: UserView;
}

export interface CreateTokenRequest {
  name: string;
}

export interface ApiTokenView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/** The token is shown once, here; only its hash is kept. */
export interface CreateTokenResponse extends ApiTokenView {
  token: string;
}

export interface ApiTokenListResponse {
  items: ApiTokenView[];
}

/**
 * Input limits of the auth endpoints: the API's DTOs validate with them and the console's forms check the
 * same before sending.
 */
export const AUTH_LIMITS = {
  tokenName: { min: 1, max: 100 },
  /** 1–64 letters, digits, dots, dashes or underscores. */
  username: /^[A-Za-z0-9._-]{1,64}$/,
  password: { min: 8, max: 200 },
} as const;

export interface CreateUserRequest {
  username: string;
  password: string;
  role: UserRole;
}

export interface UpdateUserRequest {
  role?: UserRole;
  password?: string;
}

export interface UserListResponse {
  items: UserView[];
}

/** Header a cookie-authenticated state-changing request must carry (CSRF guard). */
export const CSRF_HEADER = 'X-Requested-With';
export const CSRF_HEADER_VALUE = 'flowcast';
export const SESSION_COOKIE = 'flowcast_session';

export const authPaths = {
  login: '/api/auth/login',
  logout: '/api/auth/logout',
  me: '/api/auth/me',
  tokens: '/api/auth/tokens',
  token: (id: string) => `/api/auth/tokens/${encodeURIComponent(id)}`,
  users: '/api/users',
  user: (id: string) => `/api/users/${encodeURIComponent(id)}`,
} as const;
