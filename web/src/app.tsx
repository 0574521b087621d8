import { LoginPage } from './auth/LoginPage';
import { SetupPage } from './auth/SetupPage';
import { ControlPanel } from './panel/ControlPanel';
import { AuthCard } from './ui/components';

export function App() {
  switch (window.location.pathname) {
    case '/': return <ControlPanel />;
    case '/login': return <LoginPage />;
    case '/setup': return <SetupPage />;
    default:
      return (
        <AuthCard title="Page not found">
          <p><a href="/">Go to the control panel</a></p>
        </AuthCard>
      );
  }
}
