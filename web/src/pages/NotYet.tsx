import { Button, Result } from "antd";
import { useNavigate } from "react-router-dom";

/** A section of the navigation that this version of the venue does not have yet. */
export default function NotYet({ section, missing = false }: { section: string; missing?: boolean }) {
  const navigate = useNavigate();
  return (
    <Result
      status={missing ? "404" : "info"}
      title={missing ? "No such page" : `${section} is not part of this version`}
      subTitle={
        missing
          ? "The address does not match a page of the dashboard."
          : `The ${section.toLowerCase()} pages come with a later release of Bourse. Trading, portfolio and settings work now.`
      }
      extra={
        <Button type="primary" onClick={() => navigate("/")}>
          Back to the dashboard
        </Button>
      }
      data-testid="not-yet"
    />
  );
}
