@requirements
Feature: 6.3.1 f) Several beneficiaries each control the security of their own part of the device's data
  Requirement 6.3.1 f): "The OBF is required to permit multiple beneficiaries to have control over the security of
  a limited part of the data generated from the device. For example, the state may want that the alarms initiated
  from the device to be encrypted and sent only to the National Emergency Response System."
  The profile's reading (docs/profile/providers.md section 6): each beneficiary is an Application Server with its
  own NAF_Id and so its own key (Ks_NAF is bound to the NAF_Id); the Resource Server grants each the data classes
  it may have; an Application Server that names a data class in RPO gets key material only for a class granted to
  it. The device seals each class under the key its card derives for that class's beneficiary: the alarm is read by
  the emergency response system and by nobody else.

  Background:
    Given device "A" with its Secure Element
    And Application Server "Emergency Response" is registered with the Authentication Server
    And Application Server "State VTAMS" is registered with the Authentication Server
    And the Resource Server grants "Emergency Response" rights over device "A" for "alarm"
    And the Resource Server grants "State VTAMS" rights over device "A" for "position"
    And device "A" has bootstrapped with the Authentication Server

  @OBF-6.3.1-f @OBF-6.4.2-RPO @TP/OBF/REQ-F/BV-01
  Scenario: A beneficiary gets key material for its own data class
    When Application Server "Emergency Response" asks for the key of device "A" for data class "alarm"
    Then the Authentication Server gives "Emergency Response" the key of device "A" with its identity, lifetime and the data classes "alarm"

  @OBF-6.3.1-f @OBF-6.4.2-RPO @TP/OBF/REQ-F/BI-01
  Scenario: A beneficiary gets no key material for another beneficiary's data class
    When Application Server "State VTAMS" asks for the key of device "A" for data class "alarm"
    Then the Authentication Server refuses the key request with error "DATA_CLASS_NOT_GRANTED"

  @OBF-6.3.1-f @OBF-6.1 @TP/OBF/REQ-F/BV-02
  Scenario: The alarm sealed for the emergency response system is read by it and not by the state server
    Given Application Server "Emergency Response" asks for the key of device "A" for data class "alarm"
    And Application Server "State VTAMS" asks for the key of device "A" for data class "position"
    When device "A" seals its "alarm" data "collision at km 42" for "Emergency Response"
    Then "Emergency Response" opens the "alarm" data with its key
    And "State VTAMS" cannot open the "alarm" data with its key
