@requirements
Feature: 6.3.1 e) After an eSIM subscription change, the device's Application Servers are told the new Authentication Server
  Requirement 6.3.1 e): "Subscriptions can be changed over the air, without changing the physical card. [...]
  M2MSPs and ASPs shall be forwarded the new Authentication Server if the subscription changes."
  The profile's reading (docs/profile/providers.md section 5): the eUICC enables the new provider's profile
  (SGP.22 ES10c.EnableProfile); the owner reports the change to the old provider's Resource Server, which tells
  exactly the Application Servers holding rights over the device, at the address each gave with its rights: the
  device's new ICCID and the new Authentication Server's realm and URL. Nobody else is told: whom a device works
  with, and where it moved, is the beneficiaries' business only (6.3.1 h).

  Background:
    Given device "A" whose eUICC holds profiles of "Operator A" and "M2M Provider"
    And Application Server "Emergency Response" is registered with "Operator A" and "M2M Provider"
    And Application Server "State VTAMS" is registered with "Operator A" and "M2M Provider"
    And "Operator A" grants "Emergency Response" rights over device "A" for "alarm" and is to tell it of subscription changes
    And "Operator A" grants "State VTAMS" rights over device "A" for "position" and is to tell it of subscription changes

  @OBF-6.3.1-e @OBF-6.4.2-RPR @TP/OBF/REQ-E/BV-01
  Scenario: Every Application Server of the device is told the new Authentication Server
    When the eUICC of device "A" enables its profile of "M2M Provider"
    And the owner reports to "Operator A" that device "A" now runs its profile of "M2M Provider"
    Then "Emergency Response" is told that device "A" is now served by "M2M Provider"
    And "State VTAMS" is told that device "A" is now served by "M2M Provider"

  @OBF-6.3.1-e @OBF-6.3.1-h @TP/OBF/REQ-E/BI-01
  Scenario: An Application Server without rights over the device is told nothing
    Given Application Server "Fleet Owner" is registered with "Operator A"
    And "Operator A" grants "Fleet Owner" rights over device "B" for "position" and is to tell it of subscription changes
    When the eUICC of device "A" enables its profile of "M2M Provider"
    And the owner reports to "Operator A" that device "A" now runs its profile of "M2M Provider"
    Then "Fleet Owner" is told nothing

  @OBF-6.3.1-e @OBF-6.4.2-RPB @TP/OBF/REQ-E/BV-02
  Scenario: After the change the device bootstraps with the new Authentication Server
    When the eUICC of device "A" enables its profile of "M2M Provider"
    And device "A" bootstraps with "M2M Provider"
    Then the bootstrap of device "A" succeeds with a B-TID base64(RAND)@realm
    And the B-TID of device "A" names the realm of "M2M Provider"
