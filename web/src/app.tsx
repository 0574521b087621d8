import { TokensPage } from './account/TokensPage';
import { AdminPage } from './admin/AdminPage';
import { RolesPage } from './admin/RolesPage';
import { ChangePasswordPage } from './auth/ChangePasswordPage';
import { LoginPage } from './auth/LoginPage';
import { SetupPage } from './auth/SetupPage';
import { TwoFactorPage } from './auth/TwoFactorPage';
import { GuestPage } from './guest/GuestPage';
import { ControlPanel } from './panel/ControlPanel';
import { AuthCard } from './ui/components';
import { ViewerPage } from './viewer/ViewerPage';

// /sessions/<id>/view: session ids are URL-safe base64 (22 characters today).
const VIEWER_ROUTE = /^\/sessions\/([A-Za-z0-9_-]{1,64})\/view$/;

export function App() {
  const path = window.location.pathname;
  const viewer = VIEWER_ROUTE.exec(path);
  if (viewer) return <ViewerPage sessionId={viewer[1]} />;
  switch (path) {
    case '/': return <ControlPanel />;
    case '/admin': return <AdminPage />;
    case '/login': return <LoginPage />;
    case '/password': return <ChangePasswordPage />;
    case '/two-factor': return <TwoFactorPage />;
    case '/tokens': return <TokensPage />;
    case '/roles': return <RolesPage />;
    case '/setup': return <SetupPage />;
    case '/guest': return <GuestPage />;
    default:
      return (
        <AuthCard title="Page not found">
          <p><a href="/">Go to the control panel</a></p>
        </AuthCard>
      );
  }
}
