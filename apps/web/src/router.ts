import {
  createRouter,
  createWebHistory,
  type RouteLocationNormalized,
  type RouteLocationRaw,
  type Router,
  type RouteRecordRaw,
  type RouterHistory,
} from 'vue-router';

declare module 'vue-router' {
  interface RouteMeta {
    /** Reachable without signing in. */
    isPublic?: boolean;
    /** Only admins; members land on the "admins only" page. */
    isAdminOnly?: boolean;
    title?: string;
  }
}

export const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/integrations' },
  {
    path: '/sign-in',
    name: 'sign-in',
    component: () => import('./features/auth/views/SignInView.vue'),
    meta: { isPublic: true, title: 'Sign in' },
  },
  {
    path: '/integrations',
    name: 'integrations',
    component: () => import('./features/integrations/views/IntegrationsView.vue'),
    meta: { title: 'Integrations' },
  },
  {
    path: '/integrations/microsoft/connect',
    name: 'connect',
    component: () => import('./features/connect/views/ConnectWizardView.vue'),
    meta: { isAdminOnly: true, title: 'Connect Microsoft Enterprise' },
  },
  {
    path: '/integrations/microsoft/result',
    name: 'consent-result',
    component: () => import('./features/connect/views/ConsentResultView.vue'),
    meta: { isAdminOnly: true, title: 'Connection result' },
  },
  {
    path: '/integrations/outlook/result',
    name: 'outlook-result',
    component: () => import('./features/individual/views/OutlookResultView.vue'),
    meta: { title: 'Outlook connection result' },
  },
  {
    path: '/integrations/outlook/members',
    name: 'outlook-members',
    component: () => import('./features/individual/views/MemberConnectionsView.vue'),
    meta: { isAdminOnly: true, title: "Members' Outlook connections" },
  },
  {
    path: '/console',
    component: () => import('./features/orgwide/views/ConsoleLayoutView.vue'),
    meta: { isAdminOnly: true },
    children: [
      {
        path: '',
        name: 'console',
        component: () => import('./features/orgwide/views/ConsoleOverviewView.vue'),
        meta: { isAdminOnly: true, title: 'Admin console' },
      },
      {
        path: 'settings',
        name: 'console-settings',
        component: () => import('./features/orgwide/views/ConsoleSettingsView.vue'),
        meta: { isAdminOnly: true, title: 'Connection settings' },
      },
      {
        path: 'permissions',
        name: 'console-permissions',
        component: () => import('./features/orgwide/views/PermissionsView.vue'),
        meta: { isAdminOnly: true, title: 'Permissions' },
      },
      {
        path: 'access-policy',
        name: 'console-access-policy',
        component: () => import('./features/access-policy/views/AccessPolicyView.vue'),
        meta: { isAdminOnly: true, title: 'Mailbox access policy' },
      },
      {
        path: 'members',
        name: 'console-members',
        component: () => import('./features/members/views/MembersView.vue'),
        meta: { isAdminOnly: true, title: 'Members' },
      },
      {
        path: 'audit',
        name: 'console-audit',
        component: () => import('./features/audit/views/AuditLogView.vue'),
        meta: { isAdminOnly: true, title: 'Audit log' },
      },
      {
        path: 'push',
        name: 'console-push',
        component: () => import('./features/push/views/PushDeliveriesView.vue'),
        meta: { isAdminOnly: true, title: 'Change notices' },
      },
      {
        path: 'disconnect',
        name: 'console-disconnect',
        component: () => import('./features/orgwide/views/DisconnectView.vue'),
        meta: { isAdminOnly: true, title: 'Disconnect' },
      },
    ],
  },
  {
    path: '/me',
    name: 'my-status',
    component: () => import('./features/members/views/MyStatusView.vue'),
    meta: { title: 'My sync status' },
  },
  {
    path: '/admins-only',
    name: 'admins-only',
    component: () => import('./features/auth/views/AdminsOnlyView.vue'),
    meta: { title: 'Admins only' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./features/auth/views/NotFoundView.vue'),
    meta: { isPublic: true, title: 'Page not found' },
  },
];

export interface GuardContext {
  isSignedIn: boolean;
  isAdmin: boolean;
}

/** The one access rule for navigation: sign in first, and admin screens are for admins. */
export function accessGuard(
  to: RouteLocationNormalized,
  context: GuardContext,
): true | RouteLocationRaw {
  if (to.meta.isPublic) {
    if (to.name === 'sign-in' && context.isSignedIn) return { path: '/integrations' };
    return true;
  }
  if (!context.isSignedIn) {
    return { name: 'sign-in', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  }
  if (to.matched.some((record) => record.meta.isAdminOnly) && !context.isAdmin) {
    return { name: 'admins-only', query: { from: to.fullPath } };
  }
  return true;
}

export function createAppRouter(
  context: () => GuardContext,
  history: RouterHistory = createWebHistory(),
): Router {
  const router = createRouter({ history, routes });
  router.beforeEach((to) => accessGuard(to, context()));
  router.afterEach((to) => {
    document.title = to.meta.title ? `${to.meta.title} · Rox 365` : 'Rox 365';
  });
  return router;
}
